#!/usr/bin/env node
// Writes data/xo_releases.json: for each Xen Orchestra release (the `## **5.87.0** (2023-09-29)`
// headings of its changelogs), the version of xo-server it shipped, from the release's
// "Released packages" list. The table lets a known bug "fixed in Xen Orchestra 5.87.0" be left out
// when the caller says which xo-server runs (options.context.xoServerVersion): xo-server is what a
// plugin or the About page can report, the release number is what the changelog names.
//
// Releases before 5.22.0 list no packages: until then xo-server was released with the version
// number of Xen Orchestra itself (5.10.0 on the day of Xen Orchestra 5.10.0). With `--repo`, such a
// release gets the xo-server of its own number when xo-server's history (its package.json, followed
// back through the move into the monorepo) set that version within 3 days of the release's date;
// a release without a packages list and without that commit (4.5.1, 3.5.1: xo-web only) gets no row.
// A release whose list names no xo-server (5.95.2: only xo-server-sdn-controller) gets no row either.
//
// Usage: node scripts/xo-releases.mjs [--repo XO] XO/CHANGELOG.md XO/CHANGELOG.v5.md XO/CHANGELOG.v4.md XO/CHANGELOG.v3.md > data/xo_releases.json
// (XO: a clone of vatesfr/xen-orchestra; the output is committed, the build only reads it).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
let repo = null
const at = args.indexOf('--repo')
if (at !== -1) [repo] = args.splice(at, 2).slice(1)

// xo-server's versions with the dates of the commits that set them.
const serverVersions = []
if (repo) {
  const log = execFileSync(
    'git',
    ['-C', repo, 'log', '--follow', '--date=short', '--format=COMMIT %ad', '-p', '--', 'packages/xo-server/package.json'],
    { encoding: 'utf8', maxBuffer: 1 << 30 }
  )
  let date = null
  for (const line of log.split('\n')) {
    if (line.startsWith('COMMIT ')) date = line.slice(7)
    const set = /^\+ {2}"version": "(\d+\.\d+\.\d+)",?$/.exec(line)
    if (set && date) serverVersions.push({ date, version: set[1] })
  }
}
const days = (a, b) => Math.abs(Date.parse(a) - Date.parse(b)) / 86400e3

const releases = []
for (const file of args) {
  let current = null
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // (5.70.x's headings lack the bold; 5.93.1's date reads `2024.04-10`: any separator is taken,
    // lest its packages be counted as the release above it.)
    const heading = /^## (?:\*\*)?(\d+\.\d+(?:\.\d+)?)(?:\*\*)? \((\d{4})[-./](\d{2})[-./](\d{2})\)/.exec(line)
    if (heading) {
      // `5.108` is 5.108.0.
      const release = heading[1].split('.').length === 2 ? `${heading[1]}.0` : heading[1]
      current = { release, date: `${heading[2]}-${heading[3]}-${heading[4]}`, xoServer: null, listed: false }
      releases.push(current)
      continue
    }
    if (current && /^### Released packages/.test(line)) current.listed = true
    const shipped = /^- xo-server v?(\d+\.\d+\.\d+)\s*$/.exec(line)
    if (current && shipped) current.xoServer = shipped[1]
  }
}
// Releases whose packages list names xo-server without its version (`- xo-server minor`), with
// the version the release's technical-release commit set in packages/xo-server/package.json.
const UNNUMBERED = {
  '5.108.1': '5.181.0', // 2827c2a4 "feat: technical release (#8785)", 2025-07-03
}
for (const r of releases) {
  if (r.xoServer === null && UNNUMBERED[r.release]) r.xoServer = UNNUMBERED[r.release]
  if (r.listed || r.xoServer !== null) continue
  if (serverVersions.some(s => s.version === r.release && days(s.date, r.date) <= 3)) r.xoServer = r.release
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
for (const r of releases.filter(r => r.xoServer === null)) process.stderr.write(`no xo-server: release ${r.release}\n`)
if (listed.length < 50) throw new Error(`only ${listed.length} releases list their xo-server: wrong files?`)
process.stdout.write('[\n' + listed.map(({ release, date, xoServer }) => '  ' + JSON.stringify({ release, date, xoServer })).join(',\n') + '\n]\n')
