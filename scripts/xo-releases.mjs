#!/usr/bin/env node
// Writes data/xo_releases.json: for each Xen Orchestra release (the `## **5.87.0** (2023-09-29)`
// headings of its changelogs), the version of xo-server it shipped, from the release's
// "Released packages" list. The table lets a known bug "fixed in Xen Orchestra 5.87.0" be left out
// when the caller says which xo-server runs (options.context.xoServerVersion): xo-server is what a
// plugin or the About page can report, the release number is what the changelog names.
//
// Usage: node scripts/xo-releases.mjs CHANGELOG.md CHANGELOG.v5.md … > data/xo_releases.json
// (the changelogs of vatesfr/xen-orchestra; the output is committed, the build only reads it).
import { readFileSync } from 'node:fs'

const releases = []
for (const file of process.argv.slice(2)) {
  let current = null
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // (5.70.x's headings lack the bold.)
    const heading = /^## (?:\*\*)?(\d+\.\d+(?:\.\d+)?)(?:\*\*)? \((\d{4}-\d{2}-\d{2})\)/.exec(line)
    if (heading) {
      // `5.108` is 5.108.0.
      const release = heading[1].split('.').length === 2 ? `${heading[1]}.0` : heading[1]
      current = { release, date: heading[2], xoServer: null }
      releases.push(current)
      continue
    }
    const shipped = /^- xo-server v?(\d+\.\d+\.\d+)\s*$/.exec(line)
    if (current && shipped) current.xoServer = shipped[1]
  }
}
const key = v => [...v.split('.').map(Number), 0, 0].slice(0, 3)
const older = (a, b) => { const [x, y] = [key(a), key(b)]; for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i]; return 0 }
releases.sort((a, b) => older(a.release, b.release))
// A release whose xo-server is lower than the one before is a typo of the changelog (5.77.1 lists
// "xo-server 0.107.2"): left out, so that the table only ever rises.
const listed = []
for (const r of releases.filter(r => r.xoServer !== null)) {
  if (listed.length && older(r.xoServer, listed.at(-1).xoServer) < 0) {
    process.stderr.write(`left out: release ${r.release} lists xo-server ${r.xoServer}\n`)
    continue
  }
  listed.push(r)
}
if (listed.length < 50) throw new Error(`only ${listed.length} releases list their xo-server: wrong files?`)
process.stdout.write('[\n' + listed.map(r => '  ' + JSON.stringify(r)).join(',\n') + '\n]\n')
