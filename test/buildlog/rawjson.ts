// Produces `--progress=rawjson` samples from a REAL build's vertex data.
//
// Debian's docker 20.10 CLI (/usr/bin/docker) does not support `--progress=rawjson` ("invalid value "rawjson" passed
// to --progress, valid values are: auto, plain, tty"); rawjson comes from buildx / buildctl. So the tests take the
// vertices of a real `--progress=plain` build — digest (the `#n sha256:` line), name, CACHED / DONE <duration> /
// ERROR / CANCELED, output lines — and write them in the documented rawjson shape: one BuildKit `SolveStatus` JSON
// object per line, `{"vertexes":[{"digest","name","started","completed","cached","error"}],"statuses":[...],
// "logs":[{"vertex","stream","data"(base64),"timestamp"}],"warnings":[]}`, a vertex reported once when it starts and
// again when it completes, as buildx prints it. Start times are synthesised (plain output has durations only).
export function plainToRawJson(plain: string, startMs = Date.parse('2024-05-01T10:00:00Z')): string {
  interface V { n: string; digest?: string; name: string; cached: boolean; seconds?: number; error?: string; canceled: boolean; out: string[]; statuses: string[] }
  const vs = new Map<string, V>();
  for (const line of plain.split(/\r?\n/)) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const n = m[1]!;
    const rest = m[2]!;
    let v = vs.get(n);
    if (!v) {
      vs.set(n, { n, name: rest, cached: false, canceled: false, out: [], statuses: [] });
      continue;
    }
    if (rest === v.name) continue; // name repeated when output resumes
    if (/^sha256:[0-9a-f]{64}$/.test(rest)) v.digest = rest;
    else if (rest === 'CACHED') v.cached = true;
    else if (/^DONE /.test(rest)) v.seconds = Number(/^DONE (\d+(?:\.\d+)?)s/.exec(rest)?.[1] ?? 0);
    else if (/^ERROR/.test(rest)) v.error = rest.replace(/^ERROR:?\s*/, '');
    else if (rest === 'CANCELED') v.canceled = true;
    else if (/^\d+\.\d+ /.test(rest)) v.out.push(rest.replace(/^\d+\.\d+ /, ''));
    else v.statuses.push(rest);
  }
  const lines: string[] = [];
  let t = startMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const v of vs.values()) {
    const digest = v.digest ?? 'sha256:' + v.n.padStart(64, '0');
    const started = t;
    const completed = started + Math.round((v.seconds ?? 0) * 1000);
    t = completed + 5;
    if (v.cached) {
      lines.push(JSON.stringify({ vertexes: [{ digest, name: v.name, started: iso(started), completed: iso(started), cached: true }] }));
      continue;
    }
    lines.push(JSON.stringify({ vertexes: [{ digest, name: v.name, started: iso(started) }] }));
    for (const s of v.statuses) {
      const id = s.replace(/ done$/, '');
      lines.push(JSON.stringify({ statuses: [{ id, vertex: digest, name: id, timestamp: iso(started + 1), started: iso(started), completed: iso(started + 1) }] }));
    }
    if (v.out.length) lines.push(JSON.stringify({ logs: v.out.map((o, i) => ({ vertex: digest, stream: 1, data: Buffer.from(o + '\n').toString('base64'), timestamp: iso(started + i) })) }));
    const done: Record<string, unknown> = { digest, name: v.name, started: iso(started) };
    if (v.seconds !== undefined || v.error !== undefined || v.canceled) done['completed'] = iso(completed);
    if (v.error !== undefined) done['error'] = v.error;
    else if (v.canceled) done['error'] = 'context canceled';
    if (done['completed'] === undefined) continue; // never finished (a truncated plain log): only the start is known
    lines.push(JSON.stringify({ vertexes: [done] }));
  }
  return lines.join('\n') + '\n';
}
