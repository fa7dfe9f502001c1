/**
 * English, the reference catalog: it defines the keys, and the other catalogs must have every one
 * (`satisfies Record<MessageKey, string>`). `{name}` placeholders are filled by `t`; a placeholder's value is never
 * translated (names, addresses, codes).
 */
export const en = {
  // The page shell
  'shell.help': 'Help',
  'shell.privacy': 'Privacy',
  'shell.terms': 'Terms',

  // The rate-limit page (any hosted page answered with 429)
  'rateLimit.title': 'Too many attempts',
  'rateLimit.message': 'Too many requests came from here in a short time. Wait {wait}, then try again.',
  'rateLimit.seconds': '{seconds} seconds',
  'rateLimit.moment': 'a moment',

  // Words several pages use
  'common.continue': 'Continue',
  'common.email': 'Email',
  'common.givenName': 'Given name',
  'common.familyName': 'Family name',
  'common.signIn': 'Sign in',
  'common.signedInAs': 'Signed in as {who}',
  'common.createPasskey': 'Create passkey',
  'common.allow': 'Allow',
  'common.deny': 'Deny',
  'common.save': 'Save',

  // Passkey pages (sign-in, sign-up, recovery, enroll)
  'passkey.noscript': 'Passkeys need JavaScript; turn it on for this page.',
  'code.label': 'Code from the email',
  'code.resend': 'Send a new code',
  'code.confirmed':
    'Your email address is confirmed. Now create a passkey: your device will ask for your fingerprint, face or screen lock.',
  'signIn.heading': 'Sign in',
  'signIn.newTo': 'New to {tenant}?',
  'signIn.createAccount': 'Create account',
  'signIn.adminCreates': 'Accounts for {tenant} are created by an administrator.',
  'signIn.lost': 'Lost your passkey?',
  'signIn.recover': 'Recover your account',
  'signIn.passkeyButton': 'Sign in with a passkey',
  'signIn.orEmail': 'or use your email',
  'choice.heading': 'Choose an account',
  'choice.asks': '{client} asks which account to use.',
  'choice.notYou': 'Not you?',
  'choice.another': 'Use another account',
  'choice.refused': 'Go back to the application and start signing in again from there.',
  'signUp.heading': 'Create account',
  'signUp.haveOne': 'Already have a passkey?',
  'recovery.heading': 'Recover your account',
  'recovery.intro':
    'Enter the email address of your account. We will send you a code to set up a new passkey; your other passkeys keep working until you remove them.',
  'recovery.sendCode': 'Send code',
  'recovery.found': 'Found your passkey?',

  // The passkey page script (sent to the browser in `data-messages`)
  'script.cancelled': 'Cancelled or timed out — try again when you are ready.',
  'script.exists': 'This device already holds a passkey for this account: sign in with it instead.',
  'script.security': 'Passkeys cannot be used on this address.',
  'script.notSupported': 'This device cannot create or use a passkey of the required kind.',
  'script.generic': 'Something went wrong. Try again.',
  'script.network': 'The network request failed. Check your connection and try again.',
  'script.returning': 'Signed in. Returning to the application…',
  'script.unsupportedBrowser':
    'This browser cannot use passkeys. Update it, or open this page in a current version of Chrome, Edge, Firefox or Safari.',
  'script.removed': 'There is no passkey for this site on this device any more: it was removed from your account.',
  'script.noPasskeyHere': 'No passkey for this site on this device?',
  'script.useAnother': 'Use another device, or',
  'script.recoverLink': 'recover your account',
  'script.signingIn': 'Signing in…',
  'script.waiting': 'Waiting for your passkey…',
  'script.creating': 'Follow your browser’s prompt to create a passkey…',
  'script.sending': 'Sending the code…',
  'script.codeSent':
    'We sent an email to {email}. Enter the code from it (it works for {minutes} minutes). Nothing arrived? Check your spam folder, or send a new code.',
  'script.checking': 'Checking the code…',

  // What the pages say for a problem's `code` outside English (English pages show the server's own detail)
  'problem.invalid_code': 'This code is not valid, has expired or was already used. Ask for a new code.',
  'problem.too_many_requests': 'Too many attempts. Wait a little, then try again.',
  'problem.unknown_credential': 'This passkey is not known here. Use another passkey, or recover your account.',
  'problem.wrong_account': 'This passkey belongs to another account. Use the passkey of the account shown.',
  'problem.temporarily_unavailable': 'This is not possible just now. Try again in a minute.',
  'problem.invalid_request': 'This request cannot continue. Start again from the application.',
  'problem.access_denied': 'This request cannot be accepted. Start again from the application.',

  // Error pages
  'error.cannotContinue': 'This sign-in cannot continue',
  'error.notFound': 'Page not found',
  'error.notFoundForPeople':
    'This address does not lead to a sign-in page. Check the address, or go back to the application and start signing in again.',
  'error.generic': 'Something went wrong',
  'error.developers': 'Details for the application’s developers',
  'error.reference': 'Reference: {reference}',
  'error.back': 'Back to {client}',
  'error.noSuchAccountAddress': 'This account address does not exist.',
  'error.noSuchSignInAddress': 'This sign-in address does not exist.',
  'error.signUpClosed': 'Sign-up is closed',
  'error.signUpClosedMessage': '{tenant} does not allow creating an account here; ask an administrator to invite you.',
  'error.interactionMissing': 'The sign-in request is missing; start again from the application.',
  'error.interactionExpired': 'This sign-in request has expired; start again from the application.',
  'error.otherBrowser':
    'This sign-in was started in another browser. Go back to the application in this browser and sign in again.',
  'error.answerRefused': 'This answer cannot be accepted',
  'action.heading': 'Confirm it’s you',
  'action.explain':
    'The application asks you to confirm this action with your passkey. If you cancel, it is told the action was not confirmed.',
  'action.cancel': 'Cancel',
  'action.settingsIntro':
    'Your passkey confirmed it. Manage your account below; when you are done, go back to {client}.',
  'action.continueTo': 'Continue to {client}',
  'authorize.noTenant': 'This sign-in page does not exist',
  'authorize.noTenantMessage': 'Check the address, or go back to the application and start signing in again.',
  'authorize.restart':
    'Go back to the application and start signing in again; if this keeps happening, tell its support.',
  'authorize.broken': 'This sign-in link is broken',
  'authorize.namesTwice': 'The link names its application twice.',
  'authorize.unknownClient': 'This application is not known here',
  'authorize.unknownClientMessage': 'The application that sent you here is not registered with {tenant}.',
  'authorize.invalidLink': 'This sign-in link is not valid',
  'authorize.requestUsed': 'This link was already used or has expired.',
  'authorize.unregisteredRedirect':
    '{client} asked to send you back to an address it has not registered, so you were not signed in.',

  // Consent
  'consent.title': 'Allow access',
  'consent.heading': '{client} wants to use your {tenant} account',
  'consent.canDo': 'It will be able to:',
  'consent.notRunBy': '{client} is not run by {tenant}. You will be sent to {destination}.',
  'consent.identifiedBy': 'It identifies itself with a document on {host}.',
  'consent.removeAnytime': 'You can remove its access at any time on {link}.',
  'consent.accountPage': 'your account page',
  'scope.openid': 'Confirm who you are',
  'scope.profile': 'Your name',
  'scope.email': 'Your email address',
  'scope.offline_access': 'Stay signed in: keep access when you are not using the app',
  'scope.roles': 'Your roles in this organization',

  // Device page (RFC 8628)
  'device.heading': 'Connect a device',
  'device.enterCode': 'Enter the code shown on your device',
  'device.confirmHeading': 'Sign in on your device?',
  'device.asks': '{client} asks to use your account ({email}).',
  'device.onlyIf': 'Only continue if your device shows the code {code}.',
  'device.canUse': 'It will be able to use:',
  'device.connected': 'Your device is connected',
  'device.connectedText': 'You can go back to your device; it signs in within a few seconds. You may close this page.',
  'device.denied': 'Request denied',
  'device.deniedText': 'Your device was not given access. You may close this page.',
  'device.invalidCode': 'That code is not valid, was already used or has expired. Check the code on your device.',
  'device.signInAgain': 'Sign in again',
  'device.sessionEnded': 'Your sign-in ended. Open the device page again.',
  'device.answerAgain': 'Open the device page again and answer there.',

  // Account page
  'account.heading': 'Your account',
  'account.notice.profile-saved': 'Your name was saved.',
  'account.notice.passkey-renamed': 'The passkey was renamed.',
  'account.notice.passkey-deleted': 'The passkey was removed. It no longer signs you in.',
  'account.notice.passkey-added': 'Your new passkey is ready.',
  'account.notice.app-revoked': 'The app no longer has access to your account. It will ask you to sign in again.',
  'account.notice.reauthenticated': 'Thanks for confirming it’s you.',
  'account.synced': 'Synced',
  'account.oneDevice': 'On one device only',
  'account.lastUsed': 'last used {when}',
  'account.notUsed': 'not used yet',
  'account.added': 'Added {when} · {used}',
  'account.newNameFor': 'New name for {name}',
  'account.newName': 'New name',
  'account.rename': 'Rename',
  'account.onlyPasskey': 'This is my only passkey: I will need “Lost your passkey?” to sign in again',
  'account.remove': 'Remove',
  'account.thisBrowser': 'This browser',
  'account.otherBrowser': 'Another browser or device',
  'account.signedInUntil': 'Signed in {from} · until {until}',
  'account.since': 'Since {when} · {scopes}',
  'account.removeAccess': 'Remove access',
  'account.noApps': 'No app has access to your account right now.',
  'account.confirmedUntil':
    'You confirmed it’s you: you can add or remove passkeys, sign out everywhere and remove apps until {until}.',
  'account.confirmFirst':
    'Adding or removing a passkey, signing out everywhere and removing an app first ask for your passkey, to confirm it’s you.',
  'account.confirmButton': 'Confirm it’s you',
  'account.verified': 'verified',
  'account.profile': 'Profile',
  'account.passkeys': 'Passkeys',
  'account.noPasskey': 'No passkey yet.',
  'account.addPasskey': 'Add a passkey',
  'account.addPasskeyIntro':
    'Create a passkey on this device or in another password manager, so you can still sign in if you lose one of them.',
  'account.sessions': 'Where you are signed in',
  'account.signOutEverywhere': 'Sign out everywhere',
  'account.apps': 'Connected apps',
  'account.signOutBrowser': 'Sign out of this browser',
  'account.signedOut': 'Signed out',
  'account.signedOutHeading': 'You are signed out everywhere',
  'account.signedOutText':
    'Every browser and app signed in to your {tenant} account is signed out, this one too. Apps will ask you to sign in again.',
  'account.signInAgain': 'Sign in again',

  // Sign-out (RP-Initiated Logout)
  'endSession.noTenant': 'This sign-out page does not exist',
  'endSession.noTenantMessage': 'Check the address, or go back to the application and sign out from there.',
  'endSession.refused': 'You could not be signed out from here',
  'endSession.refusedMessage':
    'The application sent you here with a sign-out link this service cannot accept. Go back to the application and sign out from there; if this keeps happening, tell its support.',
  'endSession.notAccepted': "The application's return address was not accepted.",
  'endSession.stayHere': 'After signing out, you stay on this page.',
  'endSession.title': 'Sign out of {tenant}',
  'endSession.heading': 'Sign out?',
  'endSession.confirm': 'This signs you out of {tenant} in this browser.',
  'endSession.button': 'Sign out',
  'endSession.signedOut': 'Signed out',
  'endSession.signedOutHeading': 'You are signed out',
  'endSession.signedOutText': 'You are signed out of {tenant} in this browser.',
  'endSession.closeTab': 'You can close this tab, or go back to the application.',

  // Invitation
  'invitation.heading': 'Set up your passkey',
  'invitation.intro':
    'You were invited to {tenant}. Continue to create a passkey for your account: your device will ask for your fingerprint, face or screen lock. No password needed.',
  'invitation.once': 'The link works once. Continue on the device you want to sign in with.',
  'invitation.enrollIntro':
    'Create a passkey for your account: your device will ask for your fingerprint, face or screen lock. You are signed in as soon as it is made.',
  'invitation.unusable': 'This link cannot be used',
  'invitation.unusableMessage':
    'This invitation link has expired or was already used. Ask your administrator to send a new one.',
  'invitation.refused': 'This request cannot be accepted',
  'invitation.openAgain': 'Open the link from your invitation email again.',

  // Emails
  'email.signup-code.subject': 'Your {tenant} sign-up code',
  'email.signup-code.p1': 'Enter this code on the sign-up page to confirm your email address:',
  'email.signup-code.p2':
    'It works for {minutes} minutes. If you did not try to create an account, you can ignore this email.',
  'email.signup-registered.subject': 'You already have a {tenant} account',
  'email.signup-registered.p1':
    'Someone, probably you, tried to create a {tenant} account with this email address. You already have one, so no new account was created.',
  'email.signup-registered.p2':
    'Sign in with your passkey instead. If you lost it, choose “Lost your passkey?” on the sign-in page.',
  'email.signup-registered.link': 'Go to sign-in',
  'email.recovery-code.subject': 'Your {tenant} recovery code',
  'email.recovery-code.p1': 'Enter this code on the recovery page to set up a new passkey for your account:',
  'email.recovery-code.p2':
    'It works for {minutes} minutes. Never share it: nobody from {tenant} will ask you for it. If you did not ask for it, ignore this email: your account stays as it is.',
  'email.recovery-unknown.subject': '{tenant} account recovery',
  'email.recovery-unknown.p1':
    'Someone, probably you, asked to recover a {tenant} account for this email address, but there is no account with it.',
  'email.recovery-unknown.p2':
    'If you have an account under another address, try that one. If you did not ask for this, you can ignore this email.',
  'email.code-locked.subject': 'Your {tenant} code could not be sent',
  'email.code-locked.p1':
    'Someone asked for a {tenant} code for this email address, but too many wrong codes were typed for it today, so no code was sent.',
  'email.code-locked.p2':
    'Try again tomorrow. If you did not ask for a code, someone may be trying to get into your account: you can ignore this email, nothing was changed.',
  'email.passkey-added.subject': 'A passkey was added to your {tenant} account',
  'email.passkey-added.p1':
    'A new passkey was just added to your {tenant} account. If that was you, there is nothing to do.',
  'email.passkey-added.p2':
    'If it was not you, open your account page, remove the passkeys you do not recognise and sign out everywhere, then tell the service’s support.',
  'email.passkey-added.link': 'Open your account page',
  'email.invitation.subject': 'You are invited to {tenant}',
  'email.invitation.p1':
    'An administrator created a {tenant} account for you. Set up a passkey to sign in: it takes a few seconds.',
  'email.invitation.p2': 'The link works for 7 days and only once.',
  'email.invitation.link': 'Set up your passkey',
};

export type MessageKey = keyof typeof en;
