// Registers a passkey from /account/security: options from passkeys/begin, navigator.credentials.create, then the
// PublicKeyCredential as JSON to passkeys/finish. Served from the same origin (the page's CSP allows no inline code).
(function () {
  "use strict";
  var form = document.getElementById("passkey-add");
  if (!form || !window.PublicKeyCredential || !navigator.credentials) return;
  var status = document.getElementById("passkey-status");
  var base = "/account/security/passkeys";

  function b64urlToBytes(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function bytesToB64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    var o = Object.assign({}, json);
    o.challenge = b64urlToBytes(json.challenge);
    o.user = Object.assign({}, json.user, { id: b64urlToBytes(json.user.id) });
    o.excludeCredentials = (json.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: b64urlToBytes(c.id) });
    });
    return o;
  }

  function credentialJson(c) {
    if (typeof c.toJSON === "function") return c.toJSON();
    var r = c.response;
    return {
      id: c.id,
      rawId: bytesToB64url(c.rawId),
      type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || null,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: {
        clientDataJSON: bytesToB64url(r.clientDataJSON),
        attestationObject: bytesToB64url(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : []
      }
    };
  }

  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf.value },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 401) {
        window.location.assign("/login?return_to=" + encodeURIComponent("/account/security?notice=signed_in_again"));
        throw new Error("sign in again");
      }
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  // The user's first factor comes with backup codes, shown this once: they replace the page, as the page that makes
  // new codes shows them, until the user goes on.
  function showBackupCodes(codes, next) {
    var main = document.querySelector("main");
    main.textContent = "";
    var heading = document.createElement("h1");
    heading.textContent = form.dataset.codesTitle;
    heading.tabIndex = -1;
    var text = document.createElement("p");
    text.textContent = form.dataset.codesText;
    var list = document.createElement("ul");
    list.id = "backup-codes";
    codes.forEach(function (c) {
      var item = document.createElement("li");
      var code = document.createElement("code");
      code.textContent = c;
      item.appendChild(code);
      list.appendChild(item);
    });
    var done = document.createElement("a");
    done.href = next;
    done.id = "backup-codes-done";
    done.textContent = form.dataset.codesDone;
    var p = document.createElement("p");
    p.appendChild(done);
    [heading, text, list, p].forEach(function (n) { main.appendChild(n); });
    document.title = form.dataset.codesTitle;
    heading.focus();
  }

  form.hidden = false;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var button = document.getElementById("passkey-add-button");
    button.disabled = true;
    status.textContent = form.dataset.working;
    post("/begin", {})
      .then(function (options) {
        return navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
      })
      .then(function (credential) {
        var body = credentialJson(credential);
        var name = form.elements.name.value.trim();
        if (name) body.name = name;
        return post("/finish", body);
      })
      .then(function (registered) {
        var ui = new URLSearchParams(window.location.search).get("ui_locales");
        var next =
          "/account/security?" + (ui ? "ui_locales=" + encodeURIComponent(ui) + "&" : "") + "notice=passkey_added";
        if (registered && registered.backup_codes) showBackupCodes(registered.backup_codes, next);
        else window.location.assign(next);
      })
      .catch(function () {
        status.textContent = form.dataset.failed;
        button.disabled = false;
      });
  });
})();
