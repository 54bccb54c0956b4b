#!/usr/bin/env python3
"""Cross-validation of the resemblance hint (src/rules/resemblance.rs) over the corpus's
development cases: does learning from real failure texts make it right more often on texts it
has not seen?

    python3 tests/tools/resemblance_cv.py [--weight 3] [--min-threads 2] [--min-odds 8]
                                          [--lean 0.3] [--min-words 3] [--default other]

It re-implements the model in Python (the tokeniser, the two naive Bayes classifiers, the
thresholds; its leave-one-out over the signatures' examples gives the Rust test's figures to the
case) over the knowledge base that `cargo test --release --lib dump_knowledge -- --ignored`
dumps, and reads the cases itself. Held-out cases (source URL's SHA-256, first byte mod 5 = 4,
as tests/corpus/score.mjs) are never read past their header. The development cases are split
into 5 folds by the URL hash's second byte (a thread stays in one fold); for each fold the model
learns the other four (as tests/resemblance_cases.rs writes them: failure lines — picked here by
the failure words and cues alone, where rules::generic::catch_all_lines also leaves out shell
commands and a command's help text —, particulars
dropped, words of `--min-threads` threads, each case `--weight` known texts) and weighs each case
of the fold as an unrecognised failure: its failure lines, with the signatures that fire on it
(`cargo run --release --example corpus_batch`) left out of the knowledge, since they were written
from such posts. A case where a wording cue of a kind other than configuration reads first is
not the hint's to decide and is skipped; with a configuration cue the hint decides only when it
names another kind. Printed per fold: cases weighed, named, named and right, right in the end
(the category named, or the cue's, or `other` when none is: `--default` sets another, to see what
a fixed guess would score), and the expected categories of the cases nothing named.
"""
import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATS = ['insufficient_space', 'chain_too_long', 'coalesce_failure', 'vdi_in_use', 'io_error', 'license', 'missing_base_vm',
        'remote_full', 'remote_unreachable', 'network', 'no_matching_vms', 'xapi_version', 'lock_or_timeout',
        'storage_unreachable', 'corruption', 'configuration', 'in_progress', 'benign', 'other']
CI = {c: i for i, c in enumerate(CATS)}
N = len(CATS)
NAMEABLE = [c not in ('other', 'benign', 'in_progress') for c in CATS]
STOP = set(('the and for with was are this that from has have its into but been were which when will can may there their '
            'then than these those what where who you your our all any some such also only more most other same each per '
            'via does did one two error errors failed failure fail fails exception input options true false null none').split())
FAILURE_WORDS = ["error", "failed", "failure", "exception", "fatal", "cannot ", "can't ", "could not", "couldn't",
                 "unable to", "denied", "refused", "invalid"]


def add_words(text, out, seen):
    """rules::resemblance::add_words: ASCII letter runs of 3 to 24, camel case split, stop words out, 512 at most."""
    word, n, prev_lower = [], 0, False

    def flush():
        nonlocal word, n
        if 3 <= n <= 24:
            w = ''.join(word)
            if w not in STOP and w not in seen:
                out.append(w)
                seen.add(w)
        word, n = [], 0
    for x in text.encode('utf-8', 'surrogatepass'):
        ch = chr(x)
        if 'a' <= ch <= 'z' or 'A' <= ch <= 'Z':
            if 'A' <= ch <= 'Z' and prev_lower:
                flush()
            prev_lower = 'a' <= ch <= 'z'
            if n < 24:
                word.append(ch.lower())
            n += 1
        else:
            prev_lower = False
            flush()
            if len(out) >= 512:
                return
    flush()


def words(lines):
    out, seen = [], set()
    for line in lines:
        add_words(line, out, seen)
    return out


def is_particular(token):
    """rules::resemblance::is_particular."""
    lower = token.lower()
    if '@' in lower or '/home/' in lower or '/users/' in lower or '\\users\\' in lower:
        return True
    if any(len(r) >= 8 and all(c in '0123456789abcdef' for c in r) for r in re.split(r'[^a-z0-9]', lower)):
        return True
    return any(len([p for p in run.split('.') if p and len(p) <= 3]) >= 4 for run in re.split(r'[^0-9.]', lower))


def training_words(lines):
    return words(' '.join(t for t in line.split() if not is_particular(t)) + ' ' for line in lines)


class Model:
    def __init__(self, known):
        self.counts = defaultdict(lambda: [0] * N)
        self.texts, self.words = [0] * N, [0] * N
        for c, ws, weight in known:
            self.texts[c] += weight
            self.words[c] += len(ws) * weight
            for w in ws:
                self.counts[w][c] += weight
        self.vocabulary = len(self.counts)

    def weigh(self, ws, left_out, a):
        """rules::resemblance::weigh: the category index, or None."""
        lo = [(c, set(w)) for c, w in left_out]
        present = []
        for w in ws:
            if w not in self.counts:
                continue
            cnt = list(self.counts[w])
            for c, s in lo:
                if w in s:
                    cnt[c] -= 1
            if sum(cnt) > 0:
                present.append(cnt)
        if len(present) < a.min_words:
            return None
        texts, nwords = list(self.texts), list(self.words)
        for c, s in lo:
            texts[c] -= 1
            nwords[c] -= len(s)
        all_texts, all_words, smoothing = sum(texts), sum(nwords), 0.5 * self.vocabulary
        best, nxt, bc = -math.inf, -math.inf, None
        for c in range(N):
            if texts[c] <= 0:
                continue
            own_words, comp_words = nwords[c] + smoothing, all_words - nwords[c] + smoothing
            lik = sum(math.log((cnt[c] + 0.5) / own_words) - 2.0 * math.log((sum(cnt) - cnt[c] + 0.5) / comp_words) for cnt in present)
            score = 1.5 * math.log(texts[c] / all_texts) + lik
            if score > best:
                nxt, best, bc = best, score, c
            elif score > nxt:
                nxt = score
        lead = best - nxt
        return bc if NAMEABLE[bc] and lead >= math.log(a.min_odds) and lead >= a.lean * len(present) else None


def read_cases():
    cases = []
    for path in sorted((ROOT / 'tests/corpus/cases').glob('*/*.txt')):
        raw = path.read_text(encoding='utf-8')
        m = re.search(r'^---\r?\n', raw, re.M)
        fields = dict(re.match(r'^([a-z_]+):\s?(.*)$', l).groups() for l in raw[:m.start()].splitlines() if l.strip())
        thread = re.sub(r'/+$', '', re.sub(r'[#?].*$', '', fields['source'].strip()))
        digest = hashlib.sha256(thread.encode()).digest()
        if digest[0] % 5 == 4:
            continue  # held out: not read past its header
        context = json.loads(fields['context']) if fields.get('context', '').strip() else None
        cases.append({'file': str(path.relative_to(ROOT)), 'thread': thread, 'fold': digest[1] % 5,
                      'category': fields['category'].strip(), 'body': raw[m.end():], 'context': context})
    return cases


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--weight', type=int, default=3)
    p.add_argument('--min-threads', type=int, default=2)
    p.add_argument('--min-odds', type=float, default=8.0)
    p.add_argument('--lean', type=float, default=0.3)
    p.add_argument('--min-words', type=int, default=3)
    p.add_argument('--default', default='other', help='the category when nothing is named and no cue reads')
    a = p.parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        env['RESEMBLANCE_DUMP'] = dump_path = os.path.join(tmp, 'knowledge.json')
        subprocess.run(['cargo', 'test', '--release', '--quiet', '--lib', 'dump_knowledge', '--', '--ignored'],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        dump = json.loads(Path(dump_path).read_text())
    snake = lambda name: re.sub(r'(?<!^)([A-Z])', r'_\1', name).lower()
    known = [(CI[snake(k['category'])], words(k['texts']), k['owner']) for k in dump['known']]
    cases = read_cases()
    batch = subprocess.run(['cargo', 'run', '--release', '--quiet', '--example', 'corpus_batch'], cwd=ROOT, check=True,
                           capture_output=True, input=json.dumps([{'body': c['body'], 'context': c['context']} for c in cases]).encode())
    fired = [set(f['rule'] for f in d.get('findings') or []) for d in json.loads(batch.stdout)]
    wording = tomllib.loads((ROOT / 'data/wording.toml').read_text())['cue']
    cues = [(c['name'], c['category'], [x.lower() for x in c['any']], [x.lower() for x in c.get('none', [])]) for c in wording]
    reads = lambda lower, cue: any(x in lower for x in cue[2]) and not any(x in lower for x in cue[3])
    for c in cases:
        c['lines'] = [l for l in c['body'].splitlines() if any(w in l.lower() for w in FAILURE_WORDS) or any(reads(l.lower(), q) for q in cues)][:400]
        low = [l.lower() for l in c['lines']]
        c['cue'] = next((q for q in cues for l in low if reads(l, q)), None)
        c['train'] = training_words(c['lines'])
    base = [(c, w, 1) for c, w, _ in known]

    def loo(model):
        tried = named = right = 0
        for ex in dump['examples']:
            c = CI[snake(ex['category'])]
            if not NAMEABLE[c]:
                continue
            r = model.weigh(words([ex['example']]), [(kc, kw) for kc, kw, o in known if o == ex['id']], a)
            tried, named, right = tried + 1, named + (r is not None), right + (r == c)
        return tried, named, right

    def learnt(training):
        threads = defaultdict(set)
        for c in training:
            for w in c['train']:
                threads[w].add(c['thread'])
        out = []
        for c in training:
            kept = [w for w in c['train'] if len(threads[w]) >= a.min_threads]
            if kept:
                out.append((CI[c['category']], kept, a.weight))
        return out

    for label, learn in (('knowledge base only', False), ('with the development cases', True)):
        total, per = [0, 0, 0, 0], []
        unnamed = defaultdict(int)
        for fold in range(5):
            model = Model(base + (learnt([c for c in cases if c['fold'] != fold]) if learn else []))
            f = [0, 0, 0, 0]
            for i, c in enumerate(cases):
                if c['fold'] != fold or not c['lines'] or (c['cue'] and c['cue'][1] != 'configuration'):
                    continue
                left_out = [(kc, kw) for kc, kw, o in known if o and o in fired[i]]
                r = model.weigh(words(c['lines'][:40]), left_out, a)
                r = CATS[r] if r is not None else None
                if c['cue']:
                    named = r is not None and r != 'configuration'
                    final = r if named else 'configuration'
                else:
                    named, final = r is not None, r or a.default
                    if not named:
                        unnamed[c['category']] += 1
                f = [f[0] + 1, f[1] + named, f[2] + (named and final == c['category']), f[3] + (final == c['category'])]
            per.append(f)
            total = [x + y for x, y in zip(total, f)]
        print(f'{label}: weighed, named, named and right, right: {total}; per fold {per}')
        print(f'  unnamed, by expected category: {dict(sorted(unnamed.items(), key=lambda x: -x[1]))}')
        print(f'  leave-one-out over the signatures\' examples (tried, named, right): {loo(Model(base + (learnt(cases) if learn else [])))}')


if __name__ == '__main__':
    sys.exit(main())
