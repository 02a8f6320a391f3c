/**
 * Entry of `/initialize.js` (built as a classic script by the `vital-link-runtime` plugin in
 * vite.config.ts). Load it before the app:
 *
 *   <script src="http://127.0.0.1:8750/initialize.js"></script>
 *
 * It defines `window.Vital` (./vital.ts) and the marker tag that makes `@tryvital/vital-link`
 * use it instead of fetching https://link.tryvital.io/initialize.js.
 */
import { install } from './vital';

install();
