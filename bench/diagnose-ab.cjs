// diagnose() of the benchmark's five shapes through two builds of the package loaded in one
// process, timed in alternating rounds of 500 calls (after 2,000 warm-up calls of each), so that
// load on a shared machine hits both alike; medians per shape and their ratio, and the median of
// the rounds' own ratios (each round times both builds back to back, so it holds up better when
// the machine's load comes and goes; bench/README.md, perf12).
//
//   node bench/diagnose-ab.cjs BASE_PKG_DIR NEW_PKG_DIR [ROUNDS=31]
const pkgs = { base: require(process.argv[2] + '/node.cjs'), new: require(process.argv[3] + '/node.cjs') };
const SHAPES = {
  text: 'SR_BACKEND_FAILURE_44(, There is insufficient space, )',
  array: ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''],
  jsonrpc: { jsonrpc: '2.0', id: 7, error: { code: 1, message: 'VDI_IN_USE', data: ['OpaqueRef:9a1b', 'snapshot'] } },
  xapierror: { code: 'VDI_IN_USE', params: ['OpaqueRef:9a1b', 'snapshot'], name: 'XapiError', message: 'VDI_IN_USE(OpaqueRef:9a1b, snapshot)' },
  task: { message: 'snapshot', status: 'failure', start: 1, end: 2, result: { code: 'VDI_IO_ERROR', params: ['Device I/O errors'], name: 'XapiError', message: 'VDI_IO_ERROR(Device I/O errors)' } },
};
const rounds = Number(process.argv[4] || 31);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = {};
for (const [name, input] of Object.entries(SHAPES)) {
  const times = { base: [], new: [] };
  for (const k of ['base', 'new']) for (let i = 0; i < 2000; i++) pkgs[k].diagnose(input);
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 ? ['new', 'base'] : ['base', 'new']) {
      const d = pkgs[k].diagnose;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 500; i++) d(input);
      times[k].push(Number(process.hrtime.bigint() - t0) / 500 / 1000);
    }
  }
  const perRound = median(times.new.map((t, r) => t / times.base[r]));
  out[name] = { base: median(times.base), new: median(times.new) };
  console.log(
    `${name.padEnd(10)} base ${out[name].base.toFixed(2)} µs  new ${out[name].new.toFixed(2)} µs  ratio ${(out[name].new / out[name].base).toFixed(3)}  per round ${perRound.toFixed(3)}`,
  );
}
