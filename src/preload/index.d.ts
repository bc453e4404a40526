import type { Api } from '../shared/api';

declare global {
  interface Window {
    /** The app's API, exposed by the preload (absent in browser mode, which connects over a WebSocket). */
    arcade?: Api;
  }
}
