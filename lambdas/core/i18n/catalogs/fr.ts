import type { MessageKey } from './en.ts';

/** French (formal: vous). */
export const fr = {
  // The rate-limit page (any hosted page answered with 429)
  'rateLimit.title': 'Trop de tentatives',
  'rateLimit.message': 'Trop de demandes sont venues d’ici en peu de temps. Patientez {wait}, puis réessayez.',
  'rateLimit.seconds': '{seconds} secondes',
  'rateLimit.moment': 'un instant',

  'shell.help': 'Aide',
  'shell.privacy': 'Confidentialité',
  'shell.terms': 'Conditions',

  'common.continue': 'Continuer',
  'common.email': 'E-mail',
  'common.givenName': 'Prénom',
  'common.familyName': 'Nom',
  'common.signIn': 'Se connecter',
  'common.signedInAs': 'Connecté en tant que {who}',
  'common.createPasskey': 'Créer une clé d’accès',
  'common.allow': 'Autoriser',
  'common.deny': 'Refuser',
  'common.save': 'Enregistrer',

  'passkey.noscript': 'Les clés d’accès nécessitent JavaScript ; activez-le pour cette page.',
  'code.label': 'Code reçu par e-mail',
  'code.resend': 'Envoyer un nouveau code',
  'code.confirmed':
    'Votre adresse e-mail est confirmée. Créez maintenant une clé d’accès : votre appareil vous demandera votre empreinte digitale, votre visage ou le verrouillage de l’écran.',
  'signIn.heading': 'Se connecter',
  'signIn.newTo': 'Nouveau sur {tenant} ?',
  'signIn.createAccount': 'Créer un compte',
  'signIn.adminCreates': 'Les comptes {tenant} sont créés par un administrateur.',
  'signIn.lost': 'Clé d’accès perdue ?',
  'signIn.recover': 'Récupérer votre compte',
  'signIn.passkeyButton': 'Se connecter avec une clé d’accès',
  'signIn.orEmail': 'ou utilisez votre adresse e-mail',
  'choice.heading': 'Choisir un compte',
  'choice.asks': '{client} demande quel compte utiliser.',
  'choice.notYou': 'Ce n’est pas vous ?',
  'choice.another': 'Utiliser un autre compte',
  'choice.refused': 'Retournez dans l’application et recommencez la connexion depuis celle-ci.',
  'signUp.heading': 'Créer un compte',
  'signUp.haveOne': 'Vous avez déjà une clé d’accès ?',
  'recovery.heading': 'Récupérer votre compte',
  'recovery.intro':
    'Saisissez l’adresse e-mail de votre compte. Nous vous enverrons un code pour configurer une nouvelle clé d’accès ; vos autres clés d’accès continuent de fonctionner jusqu’à ce que vous les supprimiez.',
  'recovery.sendCode': 'Envoyer le code',
  'recovery.found': 'Vous avez retrouvé votre clé d’accès ?',

  'script.cancelled': 'Annulé ou délai dépassé — réessayez quand vous serez prêt.',
  'script.exists': 'Cet appareil possède déjà une clé d’accès pour ce compte : connectez-vous plutôt avec celle-ci.',
  'script.security': 'Les clés d’accès ne peuvent pas être utilisées à cette adresse.',
  'script.notSupported': 'Cet appareil ne peut pas créer ni utiliser une clé d’accès du type requis.',
  'script.generic': 'Une erreur s’est produite. Veuillez réessayer.',
  'script.network': 'La requête réseau a échoué. Vérifiez votre connexion et réessayez.',
  'script.returning': 'Connecté. Retour à l’application…',
  'script.unsupportedBrowser':
    'Ce navigateur ne peut pas utiliser de clés d’accès. Mettez-le à jour ou ouvrez cette page dans une version récente de Chrome, Edge, Firefox ou Safari.',
  'script.removed':
    'Il n’y a plus de clé d’accès pour ce site sur cet appareil : elle a été supprimée de votre compte.',
  'script.noPasskeyHere': 'Pas de clé d’accès pour ce site sur cet appareil ?',
  'script.useAnother': 'Utilisez un autre appareil ou',
  'script.recoverLink': 'récupérez votre compte',
  'script.signingIn': 'Connexion en cours…',
  'script.waiting': 'En attente de votre clé d’accès…',
  'script.creating': 'Suivez les instructions de votre navigateur pour créer une clé d’accès…',
  'script.sending': 'Envoi du code…',
  'script.codeSent':
    'Nous avons envoyé un e-mail à {email}. Saisissez le code qu’il contient (il est valable {minutes} minutes). Rien reçu ? Vérifiez votre dossier de courrier indésirable ou envoyez un nouveau code.',
  'script.checking': 'Vérification du code…',

  'problem.invalid_code': 'Ce code n’est pas valide, a expiré ou a déjà été utilisé. Demandez un nouveau code.',
  'problem.too_many_requests': 'Trop de tentatives. Patientez un peu, puis réessayez.',
  'problem.unknown_credential':
    'Cette clé d’accès n’est pas connue ici. Utilisez une autre clé d’accès ou récupérez votre compte.',
  'problem.wrong_account': 'Cette clé d’accès appartient à un autre compte. Utilisez la clé d’accès du compte indiqué.',
  'problem.temporarily_unavailable': 'Ce n’est pas possible pour le moment. Réessayez dans une minute.',
  'problem.invalid_request': 'Cette demande ne peut pas aboutir. Recommencez depuis l’application.',
  'problem.access_denied': 'Cette demande ne peut pas être acceptée. Recommencez depuis l’application.',

  'error.cannotContinue': 'Cette connexion ne peut pas continuer',
  'error.notFound': 'Page introuvable',
  'error.notFoundForPeople':
    'Cette adresse ne mène à aucune page de connexion. Vérifiez l’adresse ou retournez dans l’application pour vous reconnecter.',
  'error.generic': 'Une erreur s’est produite',
  'error.developers': 'Détails pour les développeurs de l’application',
  'error.reference': 'Référence : {reference}',
  'error.back': 'Retour à {client}',
  'error.noSuchAccountAddress': 'Cette adresse de compte n’existe pas.',
  'error.noSuchSignInAddress': 'Cette adresse de connexion n’existe pas.',
  'error.signUpClosed': 'Les inscriptions sont fermées',
  'error.signUpClosedMessage':
    '{tenant} ne permet pas de créer un compte ici ; demandez à un administrateur de vous inviter.',
  'error.interactionMissing': 'La demande de connexion est manquante ; recommencez depuis l’application.',
  'error.interactionExpired': 'Cette demande de connexion a expiré ; recommencez depuis l’application.',
  'error.otherBrowser':
    'Cette connexion a été commencée dans un autre navigateur. Retournez dans l’application depuis ce navigateur et reconnectez-vous.',
  'error.answerRefused': 'Cette réponse ne peut pas être acceptée',
  'action.heading': 'Confirmez votre identité',
  'action.explain':
    'L’application vous demande de confirmer cette action avec votre clé d’accès. Si vous annulez, elle apprend que l’action n’a pas été confirmée.',
  'action.cancel': 'Annuler',
  'action.settingsIntro':
    'Votre clé d’accès l’a confirmé. Gérez votre compte ci-dessous ; quand vous avez terminé, revenez à {client}.',
  'action.continueTo': 'Continuer vers {client}',
  'authorize.noTenant': 'Cette page de connexion n’existe pas',
  'authorize.noTenantMessage': 'Vérifiez l’adresse ou retournez dans l’application pour vous reconnecter.',
  'authorize.restart':
    'Retournez dans l’application et reconnectez-vous ; si le problème persiste, contactez son assistance.',
  'authorize.broken': 'Ce lien de connexion est défectueux',
  'authorize.namesTwice': 'Le lien mentionne son application deux fois.',
  'authorize.unknownClient': 'Cette application n’est pas connue ici',
  'authorize.unknownClientMessage': 'L’application qui vous a envoyé ici n’est pas enregistrée auprès de {tenant}.',
  'authorize.invalidLink': 'Ce lien de connexion n’est pas valide',
  'authorize.requestUsed': 'Ce lien a déjà été utilisé ou a expiré.',
  'authorize.unregisteredRedirect':
    '{client} a demandé à vous renvoyer vers une adresse qu’elle n’a pas enregistrée ; vous n’avez donc pas été connecté.',

  'consent.title': 'Autoriser l’accès',
  'consent.heading': '{client} souhaite utiliser votre compte {tenant}',
  'consent.canDo': 'L’application pourra :',
  'consent.notRunBy': '{client} n’est pas exploitée par {tenant}. Vous serez redirigé vers {destination}.',
  'consent.identifiedBy': 'Elle s’identifie par un document sur {host}.',
  'consent.removeAnytime': 'Vous pouvez retirer son accès à tout moment sur {link}.',
  'consent.accountPage': 'la page de votre compte',
  'scope.openid': 'Confirmer votre identité',
  'scope.profile': 'Votre nom',
  'scope.email': 'Votre adresse e-mail',
  'scope.offline_access': 'Rester connecté : garder l’accès lorsque vous n’utilisez pas l’application',
  'scope.roles': 'Vos rôles dans cette organisation',

  'device.heading': 'Connecter un appareil',
  'device.enterCode': 'Saisissez le code affiché sur votre appareil',
  'device.confirmHeading': 'Vous connecter sur votre appareil ?',
  'device.asks': '{client} demande à utiliser votre compte ({email}).',
  'device.onlyIf': 'Continuez uniquement si votre appareil affiche le code {code}.',
  'device.canUse': 'Il pourra utiliser :',
  'device.connected': 'Votre appareil est connecté',
  'device.connectedText':
    'Vous pouvez revenir à votre appareil ; il se connecte dans quelques secondes. Vous pouvez fermer cette page.',
  'device.denied': 'Demande refusée',
  'device.deniedText': 'Votre appareil n’a pas reçu l’accès. Vous pouvez fermer cette page.',
  'device.invalidCode':
    'Ce code n’est pas valide, a déjà été utilisé ou a expiré. Vérifiez le code sur votre appareil.',
  'device.signInAgain': 'Reconnectez-vous',
  'device.sessionEnded': 'Votre connexion a pris fin. Rouvrez la page de l’appareil.',
  'device.answerAgain': 'Rouvrez la page de l’appareil et répondez-y.',

  'account.heading': 'Votre compte',
  'account.notice.profile-saved': 'Votre nom a été enregistré.',
  'account.notice.passkey-renamed': 'La clé d’accès a été renommée.',
  'account.notice.passkey-deleted': 'La clé d’accès a été supprimée. Elle ne permet plus de vous connecter.',
  'account.notice.passkey-added': 'Votre nouvelle clé d’accès est prête.',
  'account.notice.app-revoked': 'L’application n’a plus accès à votre compte. Elle vous demandera de vous reconnecter.',
  'account.notice.reauthenticated': 'Merci d’avoir confirmé votre identité.',
  'account.synced': 'Synchronisée',
  'account.oneDevice': 'Sur un seul appareil',
  'account.lastUsed': 'dernière utilisation {when}',
  'account.notUsed': 'pas encore utilisée',
  'account.added': 'Ajoutée {when} · {used}',
  'account.newNameFor': 'Nouveau nom pour {name}',
  'account.newName': 'Nouveau nom',
  'account.rename': 'Renommer',
  'account.onlyPasskey': 'C’est ma seule clé d’accès : j’aurai besoin de « Clé d’accès perdue ? » pour me reconnecter',
  'account.remove': 'Supprimer',
  'account.thisBrowser': 'Ce navigateur',
  'account.otherBrowser': 'Un autre navigateur ou appareil',
  'account.signedInUntil': 'Connecté {from} · jusqu’au {until}',
  'account.since': 'Depuis {when} · {scopes}',
  'account.removeAccess': 'Retirer l’accès',
  'account.noApps': 'Aucune application n’a accès à votre compte pour le moment.',
  'account.confirmedUntil':
    'Vous avez confirmé votre identité : vous pouvez ajouter ou supprimer des clés d’accès, vous déconnecter partout et retirer des applications jusqu’au {until}.',
  'account.confirmFirst':
    'Avant d’ajouter ou de supprimer une clé d’accès, de vous déconnecter partout ou de retirer une application, votre clé d’accès vous est demandée pour confirmer votre identité.',
  'account.confirmButton': 'Confirmer votre identité',
  'account.verified': 'vérifiée',
  'account.profile': 'Profil',
  'account.passkeys': 'Clés d’accès',
  'account.noPasskey': 'Aucune clé d’accès pour le moment.',
  'account.addPasskey': 'Ajouter une clé d’accès',
  'account.addPasskeyIntro':
    'Créez une clé d’accès sur cet appareil ou dans un autre gestionnaire de mots de passe, pour pouvoir toujours vous connecter si vous perdez l’un d’eux.',
  'account.sessions': 'Où vous êtes connecté',
  'account.signOutEverywhere': 'Se déconnecter partout',
  'account.apps': 'Applications connectées',
  'account.signOutBrowser': 'Se déconnecter de ce navigateur',
  'account.signedOut': 'Déconnecté',
  'account.signedOutHeading': 'Vous êtes déconnecté partout',
  'account.signedOutText':
    'Tous les navigateurs et applications connectés à votre compte {tenant} sont déconnectés, celui-ci aussi. Les applications vous demanderont de vous reconnecter.',
  'account.signInAgain': 'Se reconnecter',

  'endSession.noTenant': 'Cette page de déconnexion n’existe pas',
  'endSession.noTenantMessage': 'Vérifiez l’adresse ou retournez dans l’application pour vous y déconnecter.',
  'endSession.refused': 'Vous n’avez pas pu être déconnecté ici',
  'endSession.refusedMessage':
    'L’application vous a envoyé ici avec un lien de déconnexion que ce service ne peut pas accepter. Retournez dans l’application et déconnectez-vous depuis celle-ci ; si le problème persiste, contactez son assistance.',
  'endSession.notAccepted': 'L’adresse de retour de l’application n’a pas été acceptée.',
  'endSession.stayHere': 'Après la déconnexion, vous restez sur cette page.',
  'endSession.title': 'Se déconnecter de {tenant}',
  'endSession.heading': 'Se déconnecter ?',
  'endSession.confirm': 'Cela vous déconnecte de {tenant} dans ce navigateur.',
  'endSession.button': 'Se déconnecter',
  'endSession.signedOut': 'Déconnecté',
  'endSession.signedOutHeading': 'Vous êtes déconnecté',
  'endSession.signedOutText': 'Vous êtes déconnecté de {tenant} dans ce navigateur.',
  'endSession.closeTab': 'Vous pouvez fermer cet onglet ou retourner dans l’application.',

  'invitation.heading': 'Configurer votre clé d’accès',
  'invitation.intro':
    'Vous avez été invité à rejoindre {tenant}. Continuez pour créer une clé d’accès pour votre compte : votre appareil vous demandera votre empreinte digitale, votre visage ou le verrouillage de l’écran. Aucun mot de passe nécessaire.',
  'invitation.once':
    'Le lien ne fonctionne qu’une fois. Continuez sur l’appareil avec lequel vous voulez vous connecter.',
  'invitation.enrollIntro':
    'Créez une clé d’accès pour votre compte : votre appareil vous demandera votre empreinte digitale, votre visage ou le verrouillage de l’écran. Vous êtes connecté dès qu’elle est créée.',
  'invitation.unusable': 'Ce lien ne peut pas être utilisé',
  'invitation.unusableMessage':
    'Ce lien d’invitation a expiré ou a déjà été utilisé. Demandez à votre administrateur de vous en envoyer un nouveau.',
  'invitation.refused': 'Cette demande ne peut pas être acceptée',
  'invitation.openAgain': 'Rouvrez le lien de votre e-mail d’invitation.',

  'email.signup-code.subject': 'Votre code d’inscription {tenant}',
  'email.signup-code.p1': 'Saisissez ce code sur la page d’inscription pour confirmer votre adresse e-mail :',
  'email.signup-code.p2':
    'Il est valable {minutes} minutes. Si vous n’avez pas essayé de créer un compte, vous pouvez ignorer cet e-mail.',
  'email.signup-registered.subject': 'Vous avez déjà un compte {tenant}',
  'email.signup-registered.p1':
    'Quelqu’un, probablement vous, a essayé de créer un compte {tenant} avec cette adresse e-mail. Vous en avez déjà un, aucun nouveau compte n’a donc été créé.',
  'email.signup-registered.p2':
    'Connectez-vous plutôt avec votre clé d’accès. Si vous l’avez perdue, choisissez « Clé d’accès perdue ? » sur la page de connexion.',
  'email.signup-registered.link': 'Aller à la connexion',
  'email.recovery-code.subject': 'Votre code de récupération {tenant}',
  'email.recovery-code.p1':
    'Saisissez ce code sur la page de récupération pour configurer une nouvelle clé d’accès pour votre compte :',
  'email.recovery-code.p2':
    'Il est valable {minutes} minutes. Ne le communiquez jamais : personne chez {tenant} ne vous le demandera. Si vous ne l’avez pas demandé, ignorez cet e-mail : votre compte reste inchangé.',
  'email.recovery-unknown.subject': 'Récupération de compte {tenant}',
  'email.recovery-unknown.p1':
    'Quelqu’un, probablement vous, a demandé à récupérer un compte {tenant} pour cette adresse e-mail, mais aucun compte n’y est associé.',
  'email.recovery-unknown.p2':
    'Si vous avez un compte sous une autre adresse, essayez celle-ci. Si vous n’avez rien demandé, vous pouvez ignorer cet e-mail.',
  'email.code-locked.subject': 'Votre code {tenant} n’a pas pu être envoyé',
  'email.code-locked.p1':
    'Quelqu’un a demandé un code {tenant} pour cette adresse e-mail, mais trop de codes erronés ont été saisis aujourd’hui pour celle-ci ; aucun code n’a donc été envoyé.',
  'email.code-locked.p2':
    'Réessayez demain. Si vous n’avez pas demandé de code, quelqu’un essaie peut-être d’accéder à votre compte : vous pouvez ignorer cet e-mail, rien n’a été modifié.',
  'email.passkey-added.subject': 'Une clé d’accès a été ajoutée à votre compte {tenant}',
  'email.passkey-added.p1':
    'Une nouvelle clé d’accès vient d’être ajoutée à votre compte {tenant}. Si c’était vous, vous n’avez rien à faire.',
  'email.passkey-added.p2':
    'Si ce n’était pas vous, ouvrez la page de votre compte, supprimez les clés d’accès que vous ne reconnaissez pas et déconnectez-vous partout, puis prévenez l’assistance du service.',
  'email.passkey-added.link': 'Ouvrir la page de votre compte',
  'email.invitation.subject': 'Vous êtes invité à rejoindre {tenant}',
  'email.invitation.p1':
    'Un administrateur a créé un compte {tenant} pour vous. Configurez une clé d’accès pour vous connecter : cela ne prend que quelques secondes.',
  'email.invitation.p2': 'Le lien est valable 7 jours et une seule fois.',
  'email.invitation.link': 'Configurer votre clé d’accès',
} satisfies Record<MessageKey, string>;
