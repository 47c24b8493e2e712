/*! Parley DPoP (RFC 9449): the widget's proof-of-possession key and its proofs, with WebCrypto.
 * The private key is made NON-EXTRACTABLE: no script, Parley's own included, can read it; it can only sign,
 * from the page that holds it. A token bound to it is useless anywhere else. The copy-paste frame makes one
 * per frame page (DpopKey.create); an inline page with persist="session" keeps its key in the page origin's
 * IndexedDB (a CryptoKey is structured-cloneable and stays non-extractable), so the refresh token it keeps in
 * sessionStorage needs this key too (storedKey). ES256 signatures from WebCrypto are already raw r||s. */
const ALG = { name: "ECDSA", namedCurve: "P-256" };
const SIGN = { name: "ECDSA", hash: "SHA-256" };
const DB = "parley-dpop";
const STORE = "keys";
const text = new TextEncoder();

const b64url = (buffer) => {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const part = (value) => b64url(text.encode(JSON.stringify(value)));
const jti = () => (crypto.randomUUID ? crypto.randomUUID() : b64url(crypto.getRandomValues(new Uint8Array(18))));

export class DpopKey {
  constructor(pair, jwk) {
    this.pair = pair;
    this.jwk = jwk;
  }

  /** A new key pair whose private half can never be exported. */
  static async create() {
    return DpopKey.of(await crypto.subtle.generateKey(ALG, false, ["sign", "verify"]));
  }

  static async of(pair) {
    const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
    return new DpopKey(pair, { kty, crv, x, y });
  }

  /** A proof for `htm` on `htu` (query and fragment dropped), with the server's `nonce` and, for a request
   * carrying an access token, `ath` = base64url(SHA-256(token)). Empty strings mean "none". */
  async proof(htm, htu, nonce, token) {
    const claims = { htm, htu: String(htu).split(/[?#]/)[0], iat: Math.floor(Date.now() / 1000), jti: jti() };
    if (nonce) claims.nonce = nonce;
    if (token) claims.ath = b64url(await crypto.subtle.digest("SHA-256", text.encode(token)));
    const input = part({ typ: "dpop+jwt", alg: "ES256", jwk: this.jwk }) + "." + part(claims);
    return input + "." + b64url(await crypto.subtle.sign(SIGN, this.pair.privateKey, text.encode(input)));
  }
}

const request = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

function openDb() {
  const opening = indexedDB.open(DB, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
  return request(opening);
}

/** The key kept under `name` in this origin's IndexedDB, made and kept there on first use (when two tabs race,
 * the first kept wins and both use it). Storage refused: a key for this page only. */
export async function storedKey(name) {
  try {
    const db = await openDb();
    try {
      const found = await request(db.transaction(STORE).objectStore(STORE).get(name));
      if (found) return await DpopKey.of(found);
      const made = await DpopKey.create();
      try {
        await request(db.transaction(STORE, "readwrite").objectStore(STORE).add(made.pair, name));
        return made;
      } catch (e) {  // another tab kept one first
        const kept = await request(db.transaction(STORE).objectStore(STORE).get(name));
        return kept ? await DpopKey.of(kept) : made;
      }
    } finally {
      db.close();
    }
  } catch (e) {
    return DpopKey.create();
  }
}

/** A key for this page only (persist="memory", and the copy-paste frame). */
export const pageKey = () => DpopKey.create();
