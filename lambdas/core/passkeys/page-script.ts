/**
 * The hosted pages' browser code: plain JavaScript, no bundler, inlined with a per-response CSP nonce. It uses
 * the browsers' own WebAuthn JSON helpers (`PublicKeyCredential.parse*OptionsFromJSON`, `credential.toJSON()`).
 * Page data comes from `data-*` attributes on `#keyway` (HTML-escaped by the server), never from inline JS; the words
 * it shows come in the page's language from `data-messages` (the catalog's `script.*` keys, and outside English a
 * message per problem `code`, preferred to the server's English `detail`).
 */
export const PAGE_SCRIPT = `(() => {
  'use strict';
  const root = document.getElementById('keyway');
  const { page, interaction, csrf, issuer } = root.dataset;
  const alertBox = document.getElementById('alert');
  const statusBox = document.getElementById('status');
  const messages = JSON.parse(root.dataset.messages || '{}');
  const problems = messages.problems || {};
  function say(key, vars) {
    let text = String(messages[key] || '');
    for (const name of Object.keys(vars || {})) text = text.split('{' + name + '}').join(String(vars[name]));
    return text;
  }
  const PKC = window.PublicKeyCredential;
  const supported =
    typeof PKC === 'function' &&
    typeof PKC.parseRequestOptionsFromJSON === 'function' &&
    typeof PKC.parseCreationOptionsFromJSON === 'function';

  function showError(message) {
    statusBox.textContent = '';
    alertBox.textContent = message;
  }
  function setBusy(busy, message) {
    for (const button of root.querySelectorAll('button')) button.disabled = busy;
    statusBox.textContent = busy ? message : '';
    if (busy) alertBox.textContent = '';
  }
  function describe(error) {
    const name = error && error.name;
    if (name === 'NotAllowedError') return say('cancelled');
    if (name === 'InvalidStateError') return say('exists');
    if (name === 'SecurityError') return say('security');
    if (name === 'NotSupportedError') return say('notSupported');
    return (error && error.keywayMessage) || say('generic');
  }

  async function post(path, body) {
    let res;
    try {
      res = await fetch(issuer + path, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'x-keyway-csrf': csrf },
        body: JSON.stringify(Object.assign({ interaction }, body)),
      });
    } catch {
      throw Object.assign(new Error('network'), { keywayMessage: say('network') });
    }
    const data = await res.json().catch(() => ({}));
    // The problem's \`code\` (e.g. unknown_credential) tells the page what to offer; its \`detail\` is written for people,
    // in English: another language shows its own message for the code.
    if (!res.ok) {
      const code = typeof data.code === 'string' ? data.code : undefined;
      const localized = code && Object.prototype.hasOwnProperty.call(problems, code) ? problems[code] : undefined;
      throw Object.assign(new Error('http'), {
        keywayMessage: localized || data.detail || say('generic'),
        keywayCode: code,
      });
    }
    return data;
  }

  function finish(data) {
    const target = new URL(data.redirectTo);
    if (target.protocol === 'javascript:' || target.protocol === 'data:') throw new Error('bad redirect');
    statusBox.textContent = say('returning');
    location.href = target.href;
  }

  if (!supported) {
    for (const button of root.querySelectorAll('button')) button.disabled = true;
    showError(say('unsupportedBrowser'));
    return;
  }

  if (page === 'login') {
    const emailInput = document.getElementById('email');
    const recoverHref = issuer + '/recover?interaction=' + encodeURIComponent(interaction);
    /** The pending conditional (autofill) request; aborted before any modal request starts. */
    let conditional = null;
    const stopConditional = () => {
      if (conditional) conditional.abort();
      conditional = null;
    };

    /**
     * A failure of a sign-in the user started: what happened and what to do. Where the device may have no passkey here
     * (cancelled and "none on this device" are one NotAllowedError: browsers do not tell them apart) or the server no
     * longer holds the one presented, the way to recovery is part of the message.
     */
    function showSignInError(error) {
      const cancelled = error && error.name === 'NotAllowedError';
      const removed = error && error.keywayCode === 'unknown_credential';
      if (!cancelled && !removed) return showError(describe(error));
      showError(
        (removed ? say('removed') : describe(error) + ' ' + say('noPasskeyHere')) + ' ' + say('useAnother') + ' ',
      );
      const link = document.createElement('a');
      link.href = recoverHref;
      link.textContent = say('recoverLink');
      alertBox.append(link, '.');
    }

    /**
     * WebAuthn Signal API: the server no longer holds this passkey for the account it was made for (never sent for
     * another tenant's passkey: see \`wrong_account\`), so the browser may stop offering it. Feature-detected; its
     * outcome never reaches the page.
     */
    function forgetPasskey(options, credential) {
      if (typeof PKC.signalUnknownCredential !== 'function' || !options.rpId) return;
      try {
        PKC.signalUnknownCredential({ rpId: options.rpId, credentialId: credential.id }).catch(() => {});
      } catch {}
    }

    async function verify(challengeId, options, credential) {
      try {
        finish(await post('/passkeys/authentication/verify', { challengeId, response: credential.toJSON() }));
      } catch (error) {
        if (error && error.keywayCode === 'unknown_credential') forgetPasskey(options, credential);
        throw error;
      }
    }

    /**
     * Passkey autofill on the email field. It runs in the background, so its own failures (the options call, the
     * browser refusing or aborting the conditional request, the network) show nothing: the button and the email form
     * still work. Once the user picked a passkey from the autofill it is their action, and its failure is shown.
     */
    async function startConditional() {
      if (typeof PKC.isConditionalMediationAvailable !== 'function') return;
      if (!(await PKC.isConditionalMediationAvailable().catch(() => false))) return;
      const controller = new AbortController();
      stopConditional();
      conditional = controller;
      let chosen = false;
      try {
        const { challengeId, options } = await post('/passkeys/authentication/options', {});
        if (controller.signal.aborted) return;
        const credential = await navigator.credentials.get({
          publicKey: PKC.parseRequestOptionsFromJSON(options),
          mediation: 'conditional',
          signal: controller.signal,
        });
        if (controller.signal.aborted) return;
        chosen = true;
        if (conditional === controller) conditional = null;
        setBusy(true, say('signingIn'));
        await verify(challengeId, options, credential);
      } catch (error) {
        if (controller.signal.aborted) return;
        if (conditional === controller) conditional = null;
        if (!chosen) return;
        setBusy(false);
        showSignInError(error);
        // Offer autofill again only after the user acted, so a failing options call cannot loop.
        startConditional();
      }
    }

    async function signIn(email) {
      stopConditional();
      setBusy(true, say('waiting'));
      try {
        const { challengeId, options } = await post('/passkeys/authentication/options', email ? { email } : {});
        const credential = await navigator.credentials.get({ publicKey: PKC.parseRequestOptionsFromJSON(options) });
        await verify(challengeId, options, credential);
      } catch (error) {
        setBusy(false);
        showSignInError(error);
        startConditional();
      }
    }

    document.getElementById('passkey-button').addEventListener('click', () => signIn());
    document.getElementById('email-form').addEventListener('submit', (event) => {
      event.preventDefault();
      if (!event.target.reportValidity()) return;
      signIn(emailInput.value.trim());
    });
    startConditional();
  }

  /** Creates the passkey for a registration source (a verified email flow, or an unverified account). */
  async function createPasskey(source) {
    setBusy(true, say('creating'));
    try {
      const { challengeId, options } = await post('/passkeys/registration/options', source);
      const credential = await navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(options) });
      finish(await post('/passkeys/registration/verify', { challengeId, response: credential.toJSON() }));
    } catch (error) {
      setBusy(false);
      showError(describe(error));
    }
  }

  /**
   * The emailed-code steps of sign-up and recovery: \`request\` sends the code (and is sent again by "Send a new
   * code"), the code form verifies it, then the user's own click creates the passkey.
   */
  function codeSteps(firstForm, request) {
    const codeForm = document.getElementById('code-form');
    const passkeyStep = document.getElementById('passkey-step');
    let flowId = null;
    async function send() {
      setBusy(true, say('sending'));
      try {
        const sent = await post('/email/code', request());
        flowId = sent.flowId;
        setBusy(false);
        firstForm.hidden = true;
        codeForm.hidden = false;
        document.getElementById('code-sent').textContent = say('codeSent', {
          email: request().email,
          minutes: Math.round(sent.expiresIn / 60),
        });
        codeForm.elements.code.value = '';
        codeForm.elements.code.focus();
      } catch (error) {
        setBusy(false);
        showError(describe(error));
      }
    }
    firstForm.addEventListener('submit', (event) => {
      event.preventDefault();
      if (firstForm.reportValidity()) send();
    });
    document.getElementById('resend').addEventListener('click', () => send());
    codeForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!codeForm.reportValidity()) return;
      setBusy(true, say('checking'));
      try {
        await post('/email/code/verify', { flowId, code: codeForm.elements.code.value });
        setBusy(false);
        codeForm.hidden = true;
        passkeyStep.hidden = false;
        document.getElementById('create-passkey').focus();
      } catch (error) {
        setBusy(false);
        showError(describe(error));
      }
    });
    document.getElementById('create-passkey').addEventListener('click', () => createPasskey({ flowId }));
  }

  if (page === 'signup') {
    const form = document.getElementById('signup-form');
    const account = () => ({
      email: form.elements.email.value.trim(),
      givenName: form.elements.givenName.value.trim(),
      familyName: form.elements.familyName.value.trim(),
    });
    if (root.dataset.verification === 'email') codeSteps(form, () => Object.assign({ purpose: 'signup' }, account()));
    else
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        if (form.reportValidity()) createPasskey(account());
      });
  }

  if (page === 'enroll') {
    // An add-passkey interaction (the account page, an invitation): the account is known, only the passkey is new.
    document.getElementById('create-passkey').addEventListener('click', () => createPasskey({}));
  }

  if (page === 'recovery') {
    const form = document.getElementById('recovery-form');
    codeSteps(form, () => ({ purpose: 'recovery', email: form.elements.email.value.trim() }));
  }
})();
`;
