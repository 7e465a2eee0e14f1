// The library as a plain program uses it: no test runner, nothing else on the event loop. `await check()` must
// settle (resolve with a report, or reject for a caller's mistake); Node's exit 13 ("unsettled top-level
// await") means an awaited promise depended on nothing that kept the process alive.
//
//     node test/helpers/process/library-check.mjs ADDRESS [--abort-after MS]
//
// Prints one line: `resolved STATUS-SENDING STATUS-RECEIVING FINDING-CODES…`, or `rejected CODE MESSAGE`; with
// --abort-after, a second line `settled N ms after the abort`.
import { check } from '../../../dist/index.js';

const [address, flag, ms] = process.argv.slice(2);
const options = {};
let abortedAt;
if (flag === '--abort-after') {
  const controller = new AbortController();
  // Unref'd: the abort must not be what keeps the process alive.
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort(new Error('the caller gave up'));
  }, Number(ms)).unref();
  options.signal = controller.signal;
}
try {
  const report = await check(address, options);
  console.log(`resolved ${report.status.sending} ${report.status.receiving} ${report.findings.map((f) => f.code).join(' ')}`);
} catch (err) {
  console.log(`rejected ${err.code ?? err.name} ${err.message}`);
}
if (abortedAt !== undefined) console.log(`settled ${Math.round(performance.now() - abortedAt)} ms after the abort`);
