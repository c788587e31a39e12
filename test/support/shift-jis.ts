// Shift_JIS (CP932) bytes of a text, as Japanese Excel saves a CSV by default: the platform's own encoder.
export { encodeShiftJis } from '../../src/csv/shift-jis.js';
