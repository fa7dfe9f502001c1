import type { MessageKey } from './en.ts';

/** Spanish (formal: usted). */
export const es = {
  // The rate-limit page (any hosted page answered with 429)
  'rateLimit.title': 'Demasiados intentos',
  'rateLimit.message':
    'Llegaron demasiadas solicitudes desde aquí en poco tiempo. Espere {wait} y vuelva a intentarlo.',
  'rateLimit.seconds': '{seconds} segundos',
  'rateLimit.moment': 'un momento',

  'shell.help': 'Ayuda',
  'shell.privacy': 'Privacidad',
  'shell.terms': 'Condiciones',

  'common.continue': 'Continuar',
  'common.email': 'Correo electrónico',
  'common.givenName': 'Nombre',
  'common.familyName': 'Apellidos',
  'common.signIn': 'Iniciar sesión',
  'common.signedInAs': 'Sesión iniciada como {who}',
  'common.createPasskey': 'Crear llave de acceso',
  'common.allow': 'Permitir',
  'common.deny': 'Denegar',
  'common.save': 'Guardar',

  'passkey.noscript': 'Las llaves de acceso necesitan JavaScript; actívelo para esta página.',
  'code.label': 'Código del correo electrónico',
  'code.resend': 'Enviar un código nuevo',
  'code.confirmed':
    'Su dirección de correo electrónico está confirmada. Ahora cree una llave de acceso: su dispositivo le pedirá su huella digital, su rostro o el bloqueo de pantalla.',
  'signIn.heading': 'Iniciar sesión',
  'signIn.newTo': '¿Es nuevo en {tenant}?',
  'signIn.createAccount': 'Crear cuenta',
  'signIn.adminCreates': 'Las cuentas de {tenant} las crea un administrador.',
  'signIn.lost': '¿Perdió su llave de acceso?',
  'signIn.recover': 'Recuperar su cuenta',
  'signIn.passkeyButton': 'Iniciar sesión con una llave de acceso',
  'signIn.orEmail': 'o use su correo electrónico',
  'choice.heading': 'Elija una cuenta',
  'choice.asks': '{client} pregunta qué cuenta usar.',
  'choice.notYou': '¿No es usted?',
  'choice.another': 'Usar otra cuenta',
  'choice.refused': 'Vuelva a la aplicación e inicie sesión de nuevo desde allí.',
  'signUp.heading': 'Crear cuenta',
  'signUp.haveOne': '¿Ya tiene una llave de acceso?',
  'recovery.heading': 'Recuperar su cuenta',
  'recovery.intro':
    'Introduzca la dirección de correo electrónico de su cuenta. Le enviaremos un código para configurar una llave de acceso nueva; sus otras llaves de acceso seguirán funcionando hasta que las elimine.',
  'recovery.sendCode': 'Enviar código',
  'recovery.found': '¿Encontró su llave de acceso?',

  'script.cancelled': 'Cancelado o tiempo agotado: inténtelo de nuevo cuando esté listo.',
  'script.exists': 'Este dispositivo ya tiene una llave de acceso para esta cuenta: inicie sesión con ella.',
  'script.security': 'Las llaves de acceso no se pueden usar en esta dirección.',
  'script.notSupported': 'Este dispositivo no puede crear ni usar una llave de acceso del tipo necesario.',
  'script.generic': 'Algo salió mal. Inténtelo de nuevo.',
  'script.network': 'La solicitud de red falló. Compruebe su conexión e inténtelo de nuevo.',
  'script.returning': 'Sesión iniciada. Volviendo a la aplicación…',
  'script.unsupportedBrowser':
    'Este navegador no puede usar llaves de acceso. Actualícelo o abra esta página en una versión actual de Chrome, Edge, Firefox o Safari.',
  'script.removed': 'Ya no hay ninguna llave de acceso para este sitio en este dispositivo: se eliminó de su cuenta.',
  'script.noPasskeyHere': '¿No hay ninguna llave de acceso para este sitio en este dispositivo?',
  'script.useAnother': 'Use otro dispositivo o',
  'script.recoverLink': 'recupere su cuenta',
  'script.signingIn': 'Iniciando sesión…',
  'script.waiting': 'Esperando su llave de acceso…',
  'script.creating': 'Siga las indicaciones de su navegador para crear una llave de acceso…',
  'script.sending': 'Enviando el código…',
  'script.codeSent':
    'Hemos enviado un correo electrónico a {email}. Introduzca el código que contiene (es válido durante {minutes} minutos). ¿No ha llegado nada? Revise su carpeta de correo no deseado o envíe un código nuevo.',
  'script.checking': 'Comprobando el código…',

  'problem.invalid_code': 'Este código no es válido, ha caducado o ya se usó. Solicite un código nuevo.',
  'problem.too_many_requests': 'Demasiados intentos. Espere un poco y vuelva a intentarlo.',
  'problem.unknown_credential':
    'Esta llave de acceso no se conoce aquí. Use otra llave de acceso o recupere su cuenta.',
  'problem.wrong_account':
    'Esta llave de acceso pertenece a otra cuenta. Use la llave de acceso de la cuenta indicada.',
  'problem.temporarily_unavailable': 'No es posible en este momento. Inténtelo de nuevo en un minuto.',
  'problem.invalid_request': 'Esta solicitud no puede continuar. Empiece de nuevo desde la aplicación.',
  'problem.access_denied': 'Esta solicitud no se puede aceptar. Empiece de nuevo desde la aplicación.',

  'error.cannotContinue': 'Este inicio de sesión no puede continuar',
  'error.notFound': 'Página no encontrada',
  'error.notFoundForPeople':
    'Esta dirección no lleva a ninguna página de inicio de sesión. Compruebe la dirección o vuelva a la aplicación e inicie sesión de nuevo.',
  'error.generic': 'Algo salió mal',
  'error.developers': 'Detalles para los desarrolladores de la aplicación',
  'error.reference': 'Referencia: {reference}',
  'error.back': 'Volver a {client}',
  'error.noSuchAccountAddress': 'Esta dirección de cuenta no existe.',
  'error.noSuchSignInAddress': 'Esta dirección de inicio de sesión no existe.',
  'error.signUpClosed': 'El registro está cerrado',
  'error.signUpClosedMessage': '{tenant} no permite crear una cuenta aquí; pida a un administrador que le invite.',
  'error.interactionMissing': 'Falta la solicitud de inicio de sesión; empiece de nuevo desde la aplicación.',
  'error.interactionExpired': 'Esta solicitud de inicio de sesión ha caducado; empiece de nuevo desde la aplicación.',
  'error.otherBrowser':
    'Este inicio de sesión se empezó en otro navegador. Vuelva a la aplicación en este navegador e inicie sesión de nuevo.',
  'error.answerRefused': 'Esta respuesta no se puede aceptar',
  'action.heading': 'Confirme que es usted',
  'action.explain':
    'La aplicación le pide que confirme esta acción con su llave de acceso. Si cancela, se le informará de que la acción no se confirmó.',
  'action.cancel': 'Cancelar',
  'action.settingsIntro':
    'Su llave de acceso lo confirmó. Gestione su cuenta abajo; cuando termine, vuelva a {client}.',
  'action.continueTo': 'Continuar a {client}',
  'authorize.noTenant': 'Esta página de inicio de sesión no existe',
  'authorize.noTenantMessage': 'Compruebe la dirección o vuelva a la aplicación e inicie sesión de nuevo.',
  'authorize.restart':
    'Vuelva a la aplicación e inicie sesión de nuevo; si esto vuelve a ocurrir, avise a su servicio de asistencia.',
  'authorize.broken': 'Este enlace de inicio de sesión está dañado',
  'authorize.namesTwice': 'El enlace nombra su aplicación dos veces.',
  'authorize.unknownClient': 'Esta aplicación no se conoce aquí',
  'authorize.unknownClientMessage': 'La aplicación que le envió aquí no está registrada en {tenant}.',
  'authorize.invalidLink': 'Este enlace de inicio de sesión no es válido',
  'authorize.requestUsed': 'Este enlace ya se usó o ha caducado.',
  'authorize.unregisteredRedirect':
    '{client} pidió enviarle de vuelta a una dirección que no tiene registrada, así que no se inició su sesión.',

  'consent.title': 'Permitir acceso',
  'consent.heading': '{client} quiere usar su cuenta de {tenant}',
  'consent.canDo': 'Podrá:',
  'consent.notRunBy': '{client} no está gestionada por {tenant}. Se le enviará a {destination}.',
  'consent.identifiedBy': 'Se identifica con un documento en {host}.',
  'consent.removeAnytime': 'Puede retirarle el acceso en cualquier momento en {link}.',
  'consent.accountPage': 'la página de su cuenta',
  'scope.openid': 'Confirmar quién es usted',
  'scope.profile': 'Su nombre',
  'scope.email': 'Su dirección de correo electrónico',
  'scope.offline_access': 'Mantener la sesión: conservar el acceso cuando no esté usando la aplicación',
  'scope.roles': 'Sus funciones en esta organización',

  'device.heading': 'Conectar un dispositivo',
  'device.enterCode': 'Introduzca el código que se muestra en su dispositivo',
  'device.confirmHeading': '¿Iniciar sesión en su dispositivo?',
  'device.asks': '{client} pide usar su cuenta ({email}).',
  'device.onlyIf': 'Continúe solo si su dispositivo muestra el código {code}.',
  'device.canUse': 'Podrá usar:',
  'device.connected': 'Su dispositivo está conectado',
  'device.connectedText': 'Puede volver a su dispositivo; iniciará sesión en unos segundos. Puede cerrar esta página.',
  'device.denied': 'Solicitud denegada',
  'device.deniedText': 'Su dispositivo no ha obtenido acceso. Puede cerrar esta página.',
  'device.invalidCode': 'Ese código no es válido, ya se usó o ha caducado. Compruebe el código en su dispositivo.',
  'device.signInAgain': 'Inicie sesión de nuevo',
  'device.sessionEnded': 'Su sesión ha terminado. Abra de nuevo la página del dispositivo.',
  'device.answerAgain': 'Abra de nuevo la página del dispositivo y responda allí.',

  'account.heading': 'Su cuenta',
  'account.notice.profile-saved': 'Se guardó su nombre.',
  'account.notice.passkey-renamed': 'Se cambió el nombre de la llave de acceso.',
  'account.notice.passkey-deleted': 'Se eliminó la llave de acceso. Ya no le permite iniciar sesión.',
  'account.notice.passkey-added': 'Su nueva llave de acceso está lista.',
  'account.notice.app-revoked': 'La aplicación ya no tiene acceso a su cuenta. Le pedirá que inicie sesión de nuevo.',
  'account.notice.reauthenticated': 'Gracias por confirmar que es usted.',
  'account.synced': 'Sincronizada',
  'account.oneDevice': 'Solo en un dispositivo',
  'account.lastUsed': 'último uso {when}',
  'account.notUsed': 'aún sin usar',
  'account.added': 'Añadida {when} · {used}',
  'account.newNameFor': 'Nuevo nombre para {name}',
  'account.newName': 'Nuevo nombre',
  'account.rename': 'Cambiar nombre',
  'account.onlyPasskey':
    'Es mi única llave de acceso: necesitaré «¿Perdió su llave de acceso?» para volver a iniciar sesión',
  'account.remove': 'Eliminar',
  'account.thisBrowser': 'Este navegador',
  'account.otherBrowser': 'Otro navegador o dispositivo',
  'account.signedInUntil': 'Sesión iniciada {from} · hasta {until}',
  'account.since': 'Desde {when} · {scopes}',
  'account.removeAccess': 'Retirar acceso',
  'account.noApps': 'Ninguna aplicación tiene acceso a su cuenta en este momento.',
  'account.confirmedUntil':
    'Ha confirmado que es usted: puede añadir o eliminar llaves de acceso, cerrar sesión en todas partes y retirar aplicaciones hasta {until}.',
  'account.confirmFirst':
    'Para añadir o eliminar una llave de acceso, cerrar sesión en todas partes o retirar una aplicación, primero se le pide su llave de acceso para confirmar que es usted.',
  'account.confirmButton': 'Confirmar que es usted',
  'account.verified': 'verificada',
  'account.profile': 'Perfil',
  'account.passkeys': 'Llaves de acceso',
  'account.noPasskey': 'Aún no hay ninguna llave de acceso.',
  'account.addPasskey': 'Añadir una llave de acceso',
  'account.addPasskeyIntro':
    'Cree una llave de acceso en este dispositivo o en otro gestor de contraseñas, para poder seguir iniciando sesión si pierde uno de ellos.',
  'account.sessions': 'Dónde tiene la sesión iniciada',
  'account.signOutEverywhere': 'Cerrar sesión en todas partes',
  'account.apps': 'Aplicaciones conectadas',
  'account.signOutBrowser': 'Cerrar sesión en este navegador',
  'account.signedOut': 'Sesión cerrada',
  'account.signedOutHeading': 'Ha cerrado sesión en todas partes',
  'account.signedOutText':
    'Se ha cerrado la sesión de todos los navegadores y aplicaciones conectados a su cuenta de {tenant}, también de este. Las aplicaciones le pedirán que inicie sesión de nuevo.',
  'account.signInAgain': 'Iniciar sesión de nuevo',

  'endSession.noTenant': 'Esta página de cierre de sesión no existe',
  'endSession.noTenantMessage': 'Compruebe la dirección o vuelva a la aplicación y cierre sesión desde allí.',
  'endSession.refused': 'No se pudo cerrar su sesión desde aquí',
  'endSession.refusedMessage':
    'La aplicación le envió aquí con un enlace de cierre de sesión que este servicio no puede aceptar. Vuelva a la aplicación y cierre sesión desde allí; si esto vuelve a ocurrir, avise a su servicio de asistencia.',
  'endSession.notAccepted': 'No se aceptó la dirección de retorno de la aplicación.',
  'endSession.stayHere': 'Después de cerrar sesión, permanecerá en esta página.',
  'endSession.title': 'Cerrar sesión en {tenant}',
  'endSession.heading': '¿Cerrar sesión?',
  'endSession.confirm': 'Así cerrará su sesión de {tenant} en este navegador.',
  'endSession.button': 'Cerrar sesión',
  'endSession.signedOut': 'Sesión cerrada',
  'endSession.signedOutHeading': 'Ha cerrado sesión',
  'endSession.signedOutText': 'Ha cerrado su sesión de {tenant} en este navegador.',
  'endSession.closeTab': 'Puede cerrar esta pestaña o volver a la aplicación.',

  'invitation.heading': 'Configure su llave de acceso',
  'invitation.intro':
    'Le han invitado a {tenant}. Continúe para crear una llave de acceso para su cuenta: su dispositivo le pedirá su huella digital, su rostro o el bloqueo de pantalla. No necesita contraseña.',
  'invitation.once': 'El enlace funciona una sola vez. Continúe en el dispositivo con el que quiera iniciar sesión.',
  'invitation.enrollIntro':
    'Cree una llave de acceso para su cuenta: su dispositivo le pedirá su huella digital, su rostro o el bloqueo de pantalla. Su sesión se iniciará en cuanto se cree.',
  'invitation.unusable': 'Este enlace no se puede usar',
  'invitation.unusableMessage':
    'Este enlace de invitación ha caducado o ya se usó. Pida a su administrador que le envíe uno nuevo.',
  'invitation.refused': 'Esta solicitud no se puede aceptar',
  'invitation.openAgain': 'Abra de nuevo el enlace de su correo electrónico de invitación.',

  'email.signup-code.subject': 'Su código de registro de {tenant}',
  'email.signup-code.p1':
    'Introduzca este código en la página de registro para confirmar su dirección de correo electrónico:',
  'email.signup-code.p2':
    'Es válido durante {minutes} minutos. Si no intentó crear una cuenta, puede ignorar este correo.',
  'email.signup-registered.subject': 'Ya tiene una cuenta de {tenant}',
  'email.signup-registered.p1':
    'Alguien, probablemente usted, intentó crear una cuenta de {tenant} con esta dirección de correo electrónico. Ya tiene una, así que no se creó ninguna cuenta nueva.',
  'email.signup-registered.p2':
    'Inicie sesión con su llave de acceso. Si la perdió, elija «¿Perdió su llave de acceso?» en la página de inicio de sesión.',
  'email.signup-registered.link': 'Ir al inicio de sesión',
  'email.recovery-code.subject': 'Su código de recuperación de {tenant}',
  'email.recovery-code.p1':
    'Introduzca este código en la página de recuperación para configurar una llave de acceso nueva para su cuenta:',
  'email.recovery-code.p2':
    'Es válido durante {minutes} minutos. No lo comparta nunca: nadie de {tenant} se lo pedirá. Si no lo solicitó, ignore este correo: su cuenta sigue igual.',
  'email.recovery-unknown.subject': 'Recuperación de cuenta de {tenant}',
  'email.recovery-unknown.p1':
    'Alguien, probablemente usted, pidió recuperar una cuenta de {tenant} para esta dirección de correo electrónico, pero no hay ninguna cuenta con ella.',
  'email.recovery-unknown.p2':
    'Si tiene una cuenta con otra dirección, pruebe con esa. Si no lo solicitó, puede ignorar este correo.',
  'email.code-locked.subject': 'No se pudo enviar su código de {tenant}',
  'email.code-locked.p1':
    'Alguien pidió un código de {tenant} para esta dirección de correo electrónico, pero hoy se introdujeron demasiados códigos incorrectos para ella, así que no se envió ningún código.',
  'email.code-locked.p2':
    'Inténtelo de nuevo mañana. Si no pidió ningún código, puede que alguien esté intentando entrar en su cuenta: puede ignorar este correo, no se cambió nada.',
  'email.passkey-added.subject': 'Se añadió una llave de acceso a su cuenta de {tenant}',
  'email.passkey-added.p1':
    'Se acaba de añadir una nueva llave de acceso a su cuenta de {tenant}. Si fue usted, no tiene que hacer nada.',
  'email.passkey-added.p2':
    'Si no fue usted, abra la página de su cuenta, elimine las llaves de acceso que no reconozca y cierre la sesión en todas partes; después avise al soporte del servicio.',
  'email.passkey-added.link': 'Abrir la página de su cuenta',
  'email.invitation.subject': 'Le han invitado a {tenant}',
  'email.invitation.p1':
    'Un administrador ha creado una cuenta de {tenant} para usted. Configure una llave de acceso para iniciar sesión: solo tarda unos segundos.',
  'email.invitation.p2': 'El enlace es válido durante 7 días y una sola vez.',
  'email.invitation.link': 'Configurar su llave de acceso',
} satisfies Record<MessageKey, string>;
