// Package lockerweb is the family's evidence locker as a web interface:
// server-rendered pages in the GOV.UK Design System, the same assets as
// the agency's interface (package [bonafide/web/static]), served on
// loopback to one browser by `bonafide locker serve`.
//
// # Screens
//
// Create a locker or unlock it with the passphrase; the home screen says
// what to do next; add a web page by its address (captured by headless
// Chromium), files (screenshots, letters, .eml e-mails) or a posts export;
// write a diary entry and edit it (every version kept and shown); the
// timeline with its links marked; delete an item (itself a custody entry);
// make the dossier (PDF) and the bundle (zip) and download them; check a
// bundle, which needs no passphrase; time-stamp the items recorded while
// the time-stamping authority was out of reach. Every screen works
// without JavaScript.
//
// # Safety
//
// The server answers only requests whose Host is a loopback address (a
// page elsewhere cannot reach it by rebinding a name), and only to the
// browser that opened its one-time start link ([Server.StartPath]): the
// link's token is traded for a session cookie (HttpOnly, SameSite=Strict)
// and works once. Every form carries a token bound to the session (an
// HMAC under a key made at start), and a POST whose Origin is another
// site's is refused. Pages carry the agency's Content-Security-Policy
// (no inline script or style, nothing from elsewhere, no framing) and are
// never cached. Uploaded files are read into memory, never into temporary
// files; a captured page's HTML is downloaded, never opened inside the
// locker's origin. The locker's contents are never logged.
package lockerweb
