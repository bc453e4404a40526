import type { Bridge } from '../shared/api';

declare global {
  interface Window {
    /** The app's API and events, exposed by the preload (absent in browser mode, which connects over a WebSocket). */
    arcade?: Bridge;
  }
}
