// Gatehouse hosted sign-in: passkeys and security keys (WebAuthn Level 3).
// Loaded by the /login pages with their CSP nonce; no inline handlers. Every form marked data-webauthn-options gets
// its button wired: fetch the request options (the form's hidden fields, CSRF token included, as the body), run
// navigator.credentials.get, put PublicKeyCredential.toJSON() into the form's "credential" field and submit the form,
// so the server answers with an ordinary page or redirect. Without WebAuthn the section stays hidden.
(function () {
  'use strict';

  function toBuffer(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toBase64Url(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // PublicKeyCredentialRequestOptionsJSON -> options for navigator.credentials.get
  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function') {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    var o = Object.assign({}, json, { challenge: toBuffer(json.challenge) });
    if (json.allowCredentials) {
      o.allowCredentials = json.allowCredentials.map(function (c) {
        return Object.assign({}, c, { id: toBuffer(c.id) });
      });
    }
    return o;
  }

  // What PublicKeyCredential.toJSON() gives, for browsers that lack it
  function credentialJson(cred) {
    if (typeof cred.toJSON === 'function') return cred.toJSON();
    var r = cred.response;
    var response = {
      clientDataJSON: toBase64Url(r.clientDataJSON),
      authenticatorData: toBase64Url(r.authenticatorData),
      signature: toBase64Url(r.signature)
    };
    if (r.userHandle) response.userHandle = toBase64Url(r.userHandle);
    var out = {
      id: cred.id,
      rawId: toBase64Url(cred.rawId),
      type: cred.type,
      response: response,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    return out;
  }

  function wire(form) {
    var button = form.querySelector('[data-webauthn-start]');
    var status = form.querySelector('[data-webauthn-status]');
    if (!button || !status || !form.elements.credential) return;
    button.addEventListener('click', function () {
      button.disabled = true;
      status.textContent = form.getAttribute('data-msg-waiting') || '';
      var body = new URLSearchParams();
      Array.prototype.forEach.call(form.querySelectorAll('input[type=hidden]'), function (input) {
        if (input.name !== 'credential') body.append(input.name, input.value);
      });
      fetch(form.getAttribute('data-webauthn-options'), {
        method: 'POST',
        body: body,
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      })
        .then(function (r) {
          if (!r.ok) throw new Error('options ' + r.status);
          return r.json();
        })
        .then(function (json) {
          return navigator.credentials.get({ publicKey: requestOptions(json.publicKey) });
        })
        .then(function (cred) {
          if (!cred) throw new Error('no credential');
          form.elements.credential.value = JSON.stringify(credentialJson(cred));
          form.submit();
        })
        .catch(function (e) {
          var cancelled = e && (e.name === 'NotAllowedError' || e.name === 'AbortError');
          status.textContent = form.getAttribute(cancelled ? 'data-msg-cancelled' : 'data-msg-failed') || '';
          button.disabled = false;
          button.focus();
        });
    });
  }

  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) return;
  Array.prototype.forEach.call(document.querySelectorAll('form[data-webauthn-options]'), function (form) {
    var section = form.closest('[data-webauthn-section]');
    if (section) section.hidden = false;
    wire(form);
  });
})();
