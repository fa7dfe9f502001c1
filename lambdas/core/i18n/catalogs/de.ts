import type { MessageKey } from './en.ts';

/** German (formal: Sie). */
export const de = {
  // The rate-limit page (any hosted page answered with 429)
  'rateLimit.title': 'Zu viele Versuche',
  'rateLimit.message':
    'Von hier kamen in kurzer Zeit zu viele Anfragen. Warten Sie {wait} und versuchen Sie es dann erneut.',
  'rateLimit.seconds': '{seconds} Sekunden',
  'rateLimit.moment': 'einen Moment',

  'shell.help': 'Hilfe',
  'shell.privacy': 'Datenschutz',
  'shell.terms': 'Nutzungsbedingungen',

  'common.continue': 'Weiter',
  'common.email': 'E-Mail',
  'common.givenName': 'Vorname',
  'common.familyName': 'Nachname',
  'common.signIn': 'Anmelden',
  'common.signedInAs': 'Angemeldet als {who}',
  'common.createPasskey': 'Passkey erstellen',
  'common.allow': 'Zulassen',
  'common.deny': 'Ablehnen',
  'common.save': 'Speichern',

  'passkey.noscript': 'Passkeys benötigen JavaScript; bitte aktivieren Sie es für diese Seite.',
  'code.label': 'Code aus der E-Mail',
  'code.resend': 'Neuen Code senden',
  'code.confirmed':
    'Ihre E-Mail-Adresse ist bestätigt. Erstellen Sie jetzt einen Passkey: Ihr Gerät fragt nach Ihrem Fingerabdruck, Ihrem Gesicht oder Ihrer Bildschirmsperre.',
  'signIn.heading': 'Anmelden',
  'signIn.newTo': 'Neu bei {tenant}?',
  'signIn.createAccount': 'Konto erstellen',
  'signIn.adminCreates': 'Konten für {tenant} werden von einem Administrator angelegt.',
  'signIn.lost': 'Passkey verloren?',
  'signIn.recover': 'Konto wiederherstellen',
  'signIn.passkeyButton': 'Mit einem Passkey anmelden',
  'signIn.orEmail': 'oder mit Ihrer E-Mail-Adresse',
  'choice.heading': 'Konto auswählen',
  'choice.asks': '{client} fragt, welches Konto verwendet werden soll.',
  'choice.notYou': 'Nicht Sie?',
  'choice.another': 'Anderes Konto verwenden',
  'choice.refused': 'Kehren Sie zur Anwendung zurück und starten Sie die Anmeldung dort erneut.',
  'signUp.heading': 'Konto erstellen',
  'signUp.haveOne': 'Sie haben schon einen Passkey?',
  'recovery.heading': 'Konto wiederherstellen',
  'recovery.intro':
    'Geben Sie die E-Mail-Adresse Ihres Kontos ein. Wir senden Ihnen einen Code, mit dem Sie einen neuen Passkey einrichten; Ihre anderen Passkeys funktionieren weiter, bis Sie sie entfernen.',
  'recovery.sendCode': 'Code senden',
  'recovery.found': 'Passkey wiedergefunden?',

  'script.cancelled': 'Abgebrochen oder Zeit abgelaufen – versuchen Sie es erneut, wenn Sie bereit sind.',
  'script.exists': 'Dieses Gerät hat bereits einen Passkey für dieses Konto: Melden Sie sich stattdessen damit an.',
  'script.security': 'Passkeys können unter dieser Adresse nicht verwendet werden.',
  'script.notSupported': 'Dieses Gerät kann keinen Passkey der benötigten Art erstellen oder verwenden.',
  'script.generic': 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
  'script.network': 'Die Netzwerkanfrage ist fehlgeschlagen. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  'script.returning': 'Angemeldet. Zurück zur Anwendung …',
  'script.unsupportedBrowser':
    'Dieser Browser kann keine Passkeys verwenden. Aktualisieren Sie ihn oder öffnen Sie diese Seite in einer aktuellen Version von Chrome, Edge, Firefox oder Safari.',
  'script.removed':
    'Auf diesem Gerät gibt es keinen Passkey mehr für diese Website: Er wurde aus Ihrem Konto entfernt.',
  'script.noPasskeyHere': 'Kein Passkey für diese Website auf diesem Gerät?',
  'script.useAnother': 'Verwenden Sie ein anderes Gerät oder',
  'script.recoverLink': 'stellen Sie Ihr Konto wieder her',
  'script.signingIn': 'Anmeldung läuft …',
  'script.waiting': 'Warten auf Ihren Passkey …',
  'script.creating': 'Folgen Sie der Aufforderung Ihres Browsers, um einen Passkey zu erstellen …',
  'script.sending': 'Code wird gesendet …',
  'script.codeSent':
    'Wir haben eine E-Mail an {email} gesendet. Geben Sie den Code daraus ein (er gilt {minutes} Minuten). Nichts angekommen? Prüfen Sie Ihren Spam-Ordner oder senden Sie einen neuen Code.',
  'script.checking': 'Code wird geprüft …',

  'problem.invalid_code':
    'Dieser Code ist ungültig, abgelaufen oder wurde bereits verwendet. Fordern Sie einen neuen Code an.',
  'problem.too_many_requests': 'Zu viele Versuche. Warten Sie kurz und versuchen Sie es dann erneut.',
  'problem.unknown_credential':
    'Dieser Passkey ist hier nicht bekannt. Verwenden Sie einen anderen Passkey oder stellen Sie Ihr Konto wieder her.',
  'problem.wrong_account':
    'Dieser Passkey gehört zu einem anderen Konto. Verwenden Sie den Passkey des angezeigten Kontos.',
  'problem.temporarily_unavailable': 'Das ist gerade nicht möglich. Versuchen Sie es in einer Minute erneut.',
  'problem.invalid_request': 'Diese Anfrage kann nicht fortgesetzt werden. Beginnen Sie erneut in der Anwendung.',
  'problem.access_denied': 'Diese Anfrage kann nicht angenommen werden. Beginnen Sie erneut in der Anwendung.',

  'error.cannotContinue': 'Diese Anmeldung kann nicht fortgesetzt werden',
  'error.notFound': 'Seite nicht gefunden',
  'error.notFoundForPeople':
    'Diese Adresse führt zu keiner Anmeldeseite. Prüfen Sie die Adresse oder kehren Sie zur Anwendung zurück und melden Sie sich erneut an.',
  'error.generic': 'Etwas ist schiefgelaufen',
  'error.developers': 'Details für die Entwickler der Anwendung',
  'error.reference': 'Referenz: {reference}',
  'error.back': 'Zurück zu {client}',
  'error.noSuchAccountAddress': 'Diese Kontoadresse gibt es nicht.',
  'error.noSuchSignInAddress': 'Diese Anmeldeadresse gibt es nicht.',
  'error.signUpClosed': 'Registrierung geschlossen',
  'error.signUpClosedMessage':
    '{tenant} erlaubt hier keine Kontoerstellung; bitten Sie einen Administrator, Sie einzuladen.',
  'error.interactionMissing': 'Die Anmeldeanfrage fehlt; beginnen Sie erneut in der Anwendung.',
  'error.interactionExpired': 'Diese Anmeldeanfrage ist abgelaufen; beginnen Sie erneut in der Anwendung.',
  'error.otherBrowser':
    'Diese Anmeldung wurde in einem anderen Browser begonnen. Kehren Sie in diesem Browser zur Anwendung zurück und melden Sie sich erneut an.',
  'error.answerRefused': 'Diese Antwort kann nicht angenommen werden',
  'action.heading': 'Bestätigen Sie, dass Sie es sind',
  'action.explain':
    'Die Anwendung bittet Sie, diese Aktion mit Ihrem Passkey zu bestätigen. Wenn Sie abbrechen, erfährt sie, dass die Aktion nicht bestätigt wurde.',
  'action.cancel': 'Abbrechen',
  'action.settingsIntro':
    'Ihr Passkey hat es bestätigt. Verwalten Sie unten Ihr Konto; wenn Sie fertig sind, kehren Sie zu {client} zurück.',
  'action.continueTo': 'Weiter zu {client}',
  'authorize.noTenant': 'Diese Anmeldeseite gibt es nicht',
  'authorize.noTenantMessage':
    'Prüfen Sie die Adresse oder kehren Sie zur Anwendung zurück und melden Sie sich erneut an.',
  'authorize.restart':
    'Kehren Sie zur Anwendung zurück und melden Sie sich erneut an; wenn das wieder passiert, wenden Sie sich an deren Support.',
  'authorize.broken': 'Dieser Anmeldelink ist fehlerhaft',
  'authorize.namesTwice': 'Der Link nennt seine Anwendung zweimal.',
  'authorize.unknownClient': 'Diese Anwendung ist hier nicht bekannt',
  'authorize.unknownClientMessage': 'Die Anwendung, die Sie hierher geschickt hat, ist bei {tenant} nicht registriert.',
  'authorize.invalidLink': 'Dieser Anmeldelink ist ungültig',
  'authorize.requestUsed': 'Dieser Link wurde bereits verwendet oder ist abgelaufen.',
  'authorize.unregisteredRedirect':
    '{client} wollte Sie an eine Adresse zurückschicken, die nicht registriert ist; deshalb wurden Sie nicht angemeldet.',

  'consent.title': 'Zugriff erlauben',
  'consent.heading': '{client} möchte Ihr {tenant}-Konto verwenden',
  'consent.canDo': 'Die Anwendung kann dann:',
  'consent.notRunBy': '{client} wird nicht von {tenant} betrieben. Sie werden zu {destination} weitergeleitet.',
  'consent.identifiedBy': 'Sie weist sich mit einem Dokument auf {host} aus.',
  'consent.removeAnytime': 'Sie können den Zugriff jederzeit auf {link} entfernen.',
  'consent.accountPage': 'Ihrer Kontoseite',
  'scope.openid': 'Bestätigen, wer Sie sind',
  'scope.profile': 'Ihren Namen',
  'scope.email': 'Ihre E-Mail-Adresse',
  'scope.offline_access': 'Angemeldet bleiben: Zugriff behalten, auch wenn Sie die App nicht verwenden',
  'scope.roles': 'Ihre Rollen in dieser Organisation',

  'device.heading': 'Gerät verbinden',
  'device.enterCode': 'Geben Sie den Code ein, der auf Ihrem Gerät angezeigt wird',
  'device.confirmHeading': 'Auf Ihrem Gerät anmelden?',
  'device.asks': '{client} möchte Ihr Konto ({email}) verwenden.',
  'device.onlyIf': 'Fahren Sie nur fort, wenn Ihr Gerät den Code {code} anzeigt.',
  'device.canUse': 'Es kann dann verwenden:',
  'device.connected': 'Ihr Gerät ist verbunden',
  'device.connectedText':
    'Sie können zu Ihrem Gerät zurückkehren; es meldet sich in wenigen Sekunden an. Sie können diese Seite schließen.',
  'device.denied': 'Anfrage abgelehnt',
  'device.deniedText': 'Ihr Gerät hat keinen Zugriff erhalten. Sie können diese Seite schließen.',
  'device.invalidCode':
    'Dieser Code ist ungültig, wurde bereits verwendet oder ist abgelaufen. Prüfen Sie den Code auf Ihrem Gerät.',
  'device.signInAgain': 'Erneut anmelden',
  'device.sessionEnded': 'Ihre Anmeldung ist abgelaufen. Öffnen Sie die Geräteseite erneut.',
  'device.answerAgain': 'Öffnen Sie die Geräteseite erneut und antworten Sie dort.',

  'account.heading': 'Ihr Konto',
  'account.notice.profile-saved': 'Ihr Name wurde gespeichert.',
  'account.notice.passkey-renamed': 'Der Passkey wurde umbenannt.',
  'account.notice.passkey-deleted': 'Der Passkey wurde entfernt. Sie können sich damit nicht mehr anmelden.',
  'account.notice.passkey-added': 'Ihr neuer Passkey ist bereit.',
  'account.notice.app-revoked':
    'Die App hat keinen Zugriff mehr auf Ihr Konto. Sie wird Sie bitten, sich erneut anzumelden.',
  'account.notice.reauthenticated': 'Danke für Ihre Bestätigung.',
  'account.synced': 'Synchronisiert',
  'account.oneDevice': 'Nur auf einem Gerät',
  'account.lastUsed': 'zuletzt verwendet {when}',
  'account.notUsed': 'noch nicht verwendet',
  'account.added': 'Hinzugefügt {when} · {used}',
  'account.newNameFor': 'Neuer Name für {name}',
  'account.newName': 'Neuer Name',
  'account.rename': 'Umbenennen',
  'account.onlyPasskey': 'Das ist mein einziger Passkey: Zum erneuten Anmelden brauche ich dann „Passkey verloren?“',
  'account.remove': 'Entfernen',
  'account.thisBrowser': 'Dieser Browser',
  'account.otherBrowser': 'Ein anderer Browser oder ein anderes Gerät',
  'account.signedInUntil': 'Angemeldet {from} · bis {until}',
  'account.since': 'Seit {when} · {scopes}',
  'account.removeAccess': 'Zugriff entfernen',
  'account.noApps': 'Derzeit hat keine App Zugriff auf Ihr Konto.',
  'account.confirmedUntil':
    'Sie haben sich bestätigt: Bis {until} können Sie Passkeys hinzufügen oder entfernen, sich überall abmelden und Apps entfernen.',
  'account.confirmFirst':
    'Bevor Sie einen Passkey hinzufügen oder entfernen, sich überall abmelden oder eine App entfernen, fragen wir nach Ihrem Passkey, um zu bestätigen, dass Sie es sind.',
  'account.confirmButton': 'Bestätigen, dass Sie es sind',
  'account.verified': 'bestätigt',
  'account.profile': 'Profil',
  'account.passkeys': 'Passkeys',
  'account.noPasskey': 'Noch kein Passkey.',
  'account.addPasskey': 'Passkey hinzufügen',
  'account.addPasskeyIntro':
    'Erstellen Sie einen Passkey auf diesem Gerät oder in einem anderen Passwortmanager, damit Sie sich weiter anmelden können, wenn Sie einen davon verlieren.',
  'account.sessions': 'Wo Sie angemeldet sind',
  'account.signOutEverywhere': 'Überall abmelden',
  'account.apps': 'Verbundene Apps',
  'account.signOutBrowser': 'In diesem Browser abmelden',
  'account.signedOut': 'Abgemeldet',
  'account.signedOutHeading': 'Sie sind überall abgemeldet',
  'account.signedOutText':
    'Alle Browser und Apps, die bei Ihrem {tenant}-Konto angemeldet waren, sind abgemeldet, auch dieser. Apps werden Sie bitten, sich erneut anzumelden.',
  'account.signInAgain': 'Erneut anmelden',

  'endSession.noTenant': 'Diese Abmeldeseite gibt es nicht',
  'endSession.noTenantMessage':
    'Prüfen Sie die Adresse oder kehren Sie zur Anwendung zurück und melden Sie sich dort ab.',
  'endSession.refused': 'Sie konnten hier nicht abgemeldet werden',
  'endSession.refusedMessage':
    'Die Anwendung hat Sie mit einem Abmeldelink hierher geschickt, den dieser Dienst nicht annehmen kann. Kehren Sie zur Anwendung zurück und melden Sie sich dort ab; wenn das wieder passiert, wenden Sie sich an deren Support.',
  'endSession.notAccepted': 'Die Rücksprungadresse der Anwendung wurde nicht akzeptiert.',
  'endSession.stayHere': 'Nach der Abmeldung bleiben Sie auf dieser Seite.',
  'endSession.title': 'Von {tenant} abmelden',
  'endSession.heading': 'Abmelden?',
  'endSession.confirm': 'Damit melden Sie sich in diesem Browser von {tenant} ab.',
  'endSession.button': 'Abmelden',
  'endSession.signedOut': 'Abgemeldet',
  'endSession.signedOutHeading': 'Sie sind abgemeldet',
  'endSession.signedOutText': 'Sie sind in diesem Browser von {tenant} abgemeldet.',
  'endSession.closeTab': 'Sie können diesen Tab schließen oder zur Anwendung zurückkehren.',

  'invitation.heading': 'Passkey einrichten',
  'invitation.intro':
    'Sie wurden zu {tenant} eingeladen. Fahren Sie fort, um einen Passkey für Ihr Konto zu erstellen: Ihr Gerät fragt nach Ihrem Fingerabdruck, Ihrem Gesicht oder Ihrer Bildschirmsperre. Kein Passwort nötig.',
  'invitation.once':
    'Der Link funktioniert nur einmal. Fahren Sie auf dem Gerät fort, mit dem Sie sich anmelden möchten.',
  'invitation.enrollIntro':
    'Erstellen Sie einen Passkey für Ihr Konto: Ihr Gerät fragt nach Ihrem Fingerabdruck, Ihrem Gesicht oder Ihrer Bildschirmsperre. Sobald er erstellt ist, sind Sie angemeldet.',
  'invitation.unusable': 'Dieser Link kann nicht verwendet werden',
  'invitation.unusableMessage':
    'Dieser Einladungslink ist abgelaufen oder wurde bereits verwendet. Bitten Sie Ihren Administrator, Ihnen einen neuen zu senden.',
  'invitation.refused': 'Diese Anfrage kann nicht angenommen werden',
  'invitation.openAgain': 'Öffnen Sie den Link aus Ihrer Einladungs-E-Mail erneut.',

  'email.signup-code.subject': 'Ihr Registrierungscode für {tenant}',
  'email.signup-code.p1':
    'Geben Sie diesen Code auf der Registrierungsseite ein, um Ihre E-Mail-Adresse zu bestätigen:',
  'email.signup-code.p2':
    'Er gilt {minutes} Minuten. Wenn Sie kein Konto erstellen wollten, können Sie diese E-Mail ignorieren.',
  'email.signup-registered.subject': 'Sie haben bereits ein {tenant}-Konto',
  'email.signup-registered.p1':
    'Jemand, vermutlich Sie, hat versucht, mit dieser E-Mail-Adresse ein {tenant}-Konto zu erstellen. Sie haben bereits eines, daher wurde kein neues Konto erstellt.',
  'email.signup-registered.p2':
    'Melden Sie sich stattdessen mit Ihrem Passkey an. Wenn Sie ihn verloren haben, wählen Sie auf der Anmeldeseite „Passkey verloren?“.',
  'email.signup-registered.link': 'Zur Anmeldung',
  'email.recovery-code.subject': 'Ihr Wiederherstellungscode für {tenant}',
  'email.recovery-code.p1':
    'Geben Sie diesen Code auf der Wiederherstellungsseite ein, um einen neuen Passkey für Ihr Konto einzurichten:',
  'email.recovery-code.p2':
    'Er gilt {minutes} Minuten. Geben Sie ihn niemals weiter: Niemand von {tenant} wird Sie danach fragen. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Konto bleibt unverändert.',
  'email.recovery-unknown.subject': 'Wiederherstellung Ihres {tenant}-Kontos',
  'email.recovery-unknown.p1':
    'Jemand, vermutlich Sie, wollte ein {tenant}-Konto für diese E-Mail-Adresse wiederherstellen, aber es gibt kein Konto mit dieser Adresse.',
  'email.recovery-unknown.p2':
    'Wenn Sie ein Konto unter einer anderen Adresse haben, versuchen Sie es mit dieser. Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.',
  'email.code-locked.subject': 'Ihr {tenant}-Code konnte nicht gesendet werden',
  'email.code-locked.p1':
    'Jemand hat einen {tenant}-Code für diese E-Mail-Adresse angefordert, aber heute wurden zu viele falsche Codes dafür eingegeben, daher wurde kein Code gesendet.',
  'email.code-locked.p2':
    'Versuchen Sie es morgen erneut. Wenn Sie keinen Code angefordert haben, versucht vielleicht jemand, auf Ihr Konto zuzugreifen: Sie können diese E-Mail ignorieren, es wurde nichts geändert.',
  'email.passkey-added.subject': 'Ihrem {tenant}-Konto wurde ein Passkey hinzugefügt',
  'email.passkey-added.p1':
    'Ihrem {tenant}-Konto wurde soeben ein neuer Passkey hinzugefügt. Wenn Sie das waren, ist nichts weiter zu tun.',
  'email.passkey-added.p2':
    'Wenn Sie es nicht waren, öffnen Sie Ihre Kontoseite, entfernen Sie die Passkeys, die Sie nicht kennen, und melden Sie sich überall ab; informieren Sie dann den Support des Dienstes.',
  'email.passkey-added.link': 'Kontoseite öffnen',
  'email.invitation.subject': 'Sie sind zu {tenant} eingeladen',
  'email.invitation.p1':
    'Ein Administrator hat ein {tenant}-Konto für Sie erstellt. Richten Sie einen Passkey ein, um sich anzumelden: Das dauert nur wenige Sekunden.',
  'email.invitation.p2': 'Der Link gilt 7 Tage und nur einmal.',
  'email.invitation.link': 'Passkey einrichten',
} satisfies Record<MessageKey, string>;
