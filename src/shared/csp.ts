/** The renderer's Content-Security-Policy, sent by the Electron main process and the browser-mode server alike. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // pixi.js sets inline styles on its canvas.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  // Browser mode talks to its own server over a WebSocket.
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
