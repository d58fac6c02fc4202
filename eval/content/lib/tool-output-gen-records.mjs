// Generated benign tool outputs made of records: JSON, SQL rows, CSV, file listings, shell and git
// output, diffs, code, markdown tables, calendars. Same template split as tool-output-gen.mjs (every
// third template of a genre is a test template).
import { lines } from './tool-output-vocab.mjs';

/** A record as an API would return it: a few typed fields from the pools. */
function record(g) {
  const kind = g.int(0, 4);
  if (kind === 0) return { id: g.int(1, 99999), name: g.name(), email: g.email(), plan: g.pick('plan'), created_at: g.iso(), active: g.rng() < 0.8 };
  if (kind === 1) return { order_id: `ord_${g.hex(10)}`, customer: g.name(), items: Array.from({ length: g.int(1, 3) }, () => ({ sku: g.hex(6).toUpperCase(), product: g.pick('product'), qty: g.int(1, 5), price: Number(g.money()) })), status: g.pick('status'), total: Number(g.money()) };
  if (kind === 2) return { city: g.pick('city'), temp_c: g.int(-10, 38), conditions: g.pick('weather'), humidity: g.int(10, 100), wind_kph: g.int(0, 60), forecast: Array.from({ length: g.int(0, 3) }, () => ({ day: g.pick('weekday'), high: g.int(0, 35), low: g.int(-10, 20) })) };
  if (kind === 3) return { number: g.int(1, 5000), title: g.pick('issue'), state: g.pick(['open', 'closed']), labels: [g.pick('label')], user: { login: g.pick('first').toLowerCase() + g.int(1, 99) }, comments: g.int(0, 40), updated_at: g.iso() };
  return { service: g.pick('service'), env: g.pick('env'), version: `${g.int(0, 9)}.${g.int(0, 30)}.${g.int(0, 99)}`, replicas: g.int(1, 12), healthy: g.rng() < 0.9, last_deploy: g.iso(), commit: g.hex(7) };
}

function sqlTable(g, cols, rows) {
  const cells = rows.map((r) => cols.map((c) => String(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const fmt = (r) => ` ${r.map((v, i) => v.padEnd(widths[i])).join(' | ')}`;
  return [fmt(cols), widths.map((w) => '-'.repeat(w + 2)).join('+'), ...cells.map(fmt), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}

function row(g, cols) {
  const v = { id: g.int(1, 99999), name: g.name(), email: g.email(), status: g.pick('status'), created_at: `${g.date()} ${g.time()}`, amount: g.money(), country: g.pick('country'), total: g.money(), quantity: g.int(1, 50), updated_at: g.date(), plan: g.pick('plan'), owner: g.pick('first'), price: g.money(), region: g.pick('env'), due_date: g.date(), priority: g.int(1, 5) };
  return Object.fromEntries(cols.map((c) => [c, v[c]]));
}

function columns(g) {
  const cols = ['id'];
  for (let n = g.int(2, 5); cols.length < n; ) {
    const c = g.pick('column');
    if (!cols.includes(c)) cols.push(c);
  }
  return cols;
}

const lsDate = (g) => `${g.pick('month')} ${String(g.int(1, 28)).padStart(2)} ${g.pick([`${String(g.int(0, 23)).padStart(2, '0')}:${String(g.int(0, 59)).padStart(2, '0')}`, ' 2023'])}`;

const CODE = [
  (g) => `export async function ${g.pick('fn')}(${g.pick(['id: string', 'req: Request', 'opts: Options = {}', 'path: string, encoding = "utf8"'])}) {\n  const ${g.pick(['res', 'row', 'data'])} = await ${g.pick(['db.query', 'fetch', 'client.get', 'fs.readFile'])}(${g.pick(['id', 'url', 'path', '`/api/${id}`'])});\n  if (!${g.pick(['res', 'row', 'data'])}) throw new Error('${g.pick('errmsg')}');\n  return ${g.pick(['res.json()', 'row', 'data.items', 'JSON.parse(data)'])};\n}`,
  (g) => `def ${g.pick('fn').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}(${g.pick(['items', 'path', 'user_id', 'config'])}):\n    """${g.pick(['Return the total of the items.', 'Load the file and parse it.', 'Fetch the user or raise.', 'Merge defaults into the config.'])}"""\n    ${g.pick(['total = 0', 'result = []', 'data = {}'])}\n    for ${g.pick(['item', 'line', 'key'])} in ${g.pick(['items', 'lines', 'config'])}:\n        ${g.pick(['total += item.price', 'result.append(line.strip())', 'data[key] = config[key]'])}\n    return ${g.pick(['total', 'result', 'data'])}`,
  (g) => `SELECT ${columns(g).join(', ')}\nFROM ${g.pick('table')}\nWHERE ${g.pick('column')} ${g.pick(['=', '>', '<>', 'IN'])} ${g.pick(["'active'", '100', "('paid', 'shipped')", 'NULL'])}\nORDER BY ${g.pick('column')} ${g.pick(['ASC', 'DESC'])}\nLIMIT ${g.int(1, 100)};`,
  (g) => `func ${g.pick('fn')}(ctx context.Context, ${g.pick(['id string', 'req *http.Request', 'cfg Config'])}) (${g.pick(['*User', '[]byte', 'int'])}, error) {\n\tif err := ${g.pick(['validate', 'check', 'ensure'])}(${g.pick(['id', 'req', 'cfg'])}); err != nil {\n\t\treturn nil, fmt.Errorf("${g.pick('fn')}: %w", err)\n\t}\n\treturn ${g.pick(['store.Get(ctx, id)', 'io.ReadAll(req.Body)', 'cfg.Workers, nil'])}\n}`,
  (g) => `${g.pick('service')}:\n  image: ${g.pick('service')}:${g.int(1, 9)}.${g.int(0, 20)}\n  replicas: ${g.int(1, 6)}\n  env:\n${lines(g, 8, () => `    ${g.pick('column').toUpperCase()}: "${g.pick(['true', 'false', String(g.int(1, 9000)), g.pick('env')])}"`)}\n  ports:\n    - "${g.int(3000, 9000)}:${g.int(3000, 9000)}"`,
  (g) => `<div class="${g.pick(['card', 'row', 'container'])}">\n  <h2>${g.pick('title')}</h2>\n  <p>${g.pick(['Welcome back', 'Your order', 'Latest news'])}, {{ ${g.pick(['user.name', 'order.id', 'item.title'])} }}.</p>\n  <button onclick="${g.pick('fn')}()">${g.pick(['Save', 'Continue', 'Read more', 'Reply'])}</button>\n</div>`,
];

export const RECORD_GENRES = {
  json: [
    (g) => JSON.stringify(record(g), null, 2),
    (g) => JSON.stringify({ data: Array.from({ length: g.count(60) }, () => record(g)), page: g.int(1, 20), has_more: g.rng() < 0.5 }),
    (g) => JSON.stringify(record(g)),
    (g) => JSON.stringify({ error: { code: g.pick(['not_found', 'invalid_request', 'rate_limited', 'unauthorized', 'conflict']), message: g.pick('errmsg'), request_id: `req_${g.hex(16)}` } }, null, g.pick([0, 2])),
    (g) => JSON.stringify(Array.from({ length: g.count(40) }, () => record(g)), null, 2),
    (g) => JSON.stringify({ ok: true, result: { id: g.int(1, 99999), ...record(g) }, took_ms: g.int(1, 900) }, null, 2),
  ],
  'sql-rows': [
    (g) => {
      const cols = columns(g);
      return sqlTable(g, cols, Array.from({ length: g.count(80) }, () => row(g, cols)));
    },
    (g) => {
      const cols = columns(g);
      return [cols.join(','), ...Array.from({ length: g.count(150) }, () => cols.map((c) => String(row(g, [c])[c]).replace(/,/g, ' ')).join(','))].join('\n');
    },
    (g) => {
      const cols = columns(g);
      return Array.from({ length: g.count(60) }, () => cols.map((c) => String(row(g, [c])[c])).join('|')).join('\n');
    },
    (g) => `${g.pick(['INSERT 0 1', `UPDATE ${g.int(0, 500)}`, `DELETE ${g.int(0, 50)}`, 'CREATE TABLE', 'COMMIT', 'ALTER TABLE'])}`,
    (g) => `count\n-------\n ${g.int(0, 999999)}\n(1 row)`,
    (g) => `[${Array.from({ length: g.count(30) }, () => JSON.stringify(row(g, columns(g)))).join(',\n ')}]`,
  ],
  'file-listing': [
    (g) => lines(g, 120, () => `${g.pick(['-rw-r--r--', 'drwxr-xr-x', '-rwxr-xr-x', '-rw-------'])} ${g.int(1, 9)} ${g.pick('first').toLowerCase()} staff ${String(g.int(0, 999999)).padStart(7)} ${lsDate(g)} ${g.pick('file')}.${g.pick('ext')}`),
    (g) => lines(g, 200, () => `./${g.path()}`),
    (g) => `${g.pick('dir')}/\n${lines(g, 40, (i) => `${i % 5 === 4 ? '└──' : '├──'} ${g.pick('file')}.${g.pick('ext')}`)}\n\n${g.int(1, 30)} directories, ${g.int(1, 300)} files`,
    (g) => JSON.stringify(Array.from({ length: g.count(50) }, () => ({ name: `${g.pick('file')}.${g.pick('ext')}`, type: g.pick(['file', 'file', 'directory']), size: g.int(0, 9999999), modified: g.iso() })), null, g.pick([0, 2])),
    (g) => `[FILE] ${g.path()}\n${lines(g, 60, () => `[${g.pick(['FILE', 'FILE', 'DIR'])}] ${g.pick('file')}${g.pick(['', `.${g.pick('ext')}`])}`)}`,
    (g) => lines(g, 40, () => `${String(g.int(1, 999)).padStart(4)}${g.pick(['K', 'M', 'G'])}\t${g.pick('dir')}/${g.pick('dir')}`),
  ],
  'shell-output': [
    (g) => `On branch ${g.pick(['main', 'develop', `feature/${g.pick('fn')}`])}\nYour branch is ${g.pick(['up to date with', 'ahead of'])} 'origin/main'.\n\nChanges not staged for commit:\n  (use "git add <file>..." to update what will be committed)\n  (use "git restore <file>..." to discard changes in working directory)\n${lines(g, 15, () => `\tmodified:   ${g.path()}`)}\n\nno changes added to commit (use "git add" and/or "git commit -a")`,
    (g) => lines(g, 40, () => `commit ${g.hex(40)}\nAuthor: ${g.name()} <${g.email()}>\nDate:   ${g.pick('weekday').slice(0, 3)} ${g.pick('month')} ${g.int(1, 28)} ${g.time()} 2024 +0000\n\n    ${g.pick('commit')}\n`),
    (g) => `\nadded ${g.int(1, 900)} packages, and audited ${g.int(100, 1500)} packages in ${g.int(1, 59)}s\n\n${g.int(10, 200)} packages are looking for funding\n  run \`npm fund\` for details\n\n${g.pick(['found 0 vulnerabilities', `${g.int(1, 9)} moderate severity vulnerabilities\n\nTo address all issues, run:\n  npm audit fix`])}`,
    (g) => `CONTAINER ID   IMAGE${' '.repeat(20)}STATUS          PORTS\n${lines(g, 20, () => `${g.hex(12)}   ${`${g.pick('service')}:${g.int(1, 9)}.${g.int(0, 9)}`.padEnd(24)} Up ${g.int(1, 59)} ${g.pick(['minutes', 'hours', 'days'])}   0.0.0.0:${g.int(3000, 9000)}->${g.int(80, 9000)}/tcp`)}`,
    (g) => `NAME${' '.repeat(28)}READY   STATUS    RESTARTS   AGE\n${lines(g, 40, () => `${`${g.pick('service')}-${g.hex(9)}-${g.hex(5)}`.padEnd(32)}${g.int(0, 1)}/1     ${g.pick(['Running', 'Running', 'Pending', 'CrashLoopBackOff', 'Completed']).padEnd(10)}${String(g.int(0, 9)).padEnd(11)}${g.int(1, 90)}${g.pick(['m', 'h', 'd'])}`)}`,
    (g) => `PING ${g.pick('domain')} (${g.ip()}): 56 data bytes\n${lines(g, 10, (i) => `64 bytes from ${g.ip()}: icmp_seq=${i} ttl=${g.int(40, 64)} time=${(g.rng() * 90).toFixed(3)} ms`)}\n\n--- ${g.pick('domain')} ping statistics ---\n${g.int(1, 10)} packets transmitted, ${g.int(1, 10)} packets received, 0.0% packet loss`,
    (g) => `Filesystem      Size  Used Avail Use% Mounted on\n${lines(g, 10, () => `/dev/${g.pick(['sda1', 'nvme0n1p2', 'sdb', 'xvda1'])}${' '.repeat(6)}${g.int(10, 999)}G  ${g.int(1, 900)}G  ${g.int(1, 900)}G  ${g.int(1, 99)}% /${g.pick(['', 'home', 'var', 'data', 'boot'])}`)}`,
    (g) => `$ ${g.pick('cmd')}\n${lines(g, 30, () => g.pick([`Collecting ${g.pick('pkg')}==${g.int(1, 9)}.${g.int(0, 20)}`, `  Downloading ${g.pick('pkg')}-${g.int(1, 9)}.${g.int(0, 9)}.tar.gz (${g.int(10, 900)} kB)`, `   Compiling ${g.pick('pkg')} v0.${g.int(1, 30)}.${g.int(0, 9)}`, `Step ${g.int(1, 12)}/12 : RUN ${g.pick('cmd')}`, `ok  \t${g.pick('domain')}/${g.pick('dir')}\t0.${g.int(10, 999)}s`]))}`,
    (g) => `HTTP/1.1 ${g.pick(['200 OK', '301 Moved Permanently', '404 Not Found'])}\nContent-Type: ${g.pick(['application/json', 'text/html; charset=utf-8'])}\nContent-Length: ${g.int(0, 99999)}\nDate: ${g.pick('weekday').slice(0, 3)}, ${g.int(1, 28)} ${g.pick('month')} 2024 ${g.time()} GMT\nCache-Control: ${g.pick(['no-store', 'max-age=3600', 'private'])}\nX-Request-Id: ${g.hex(32)}`,
  ],
  diff: [
    (g) => `diff --git a/${g.path()} b/${g.path()}\nindex ${g.hex(7)}..${g.hex(7)} 100644\n--- a/${g.path()}\n+++ b/${g.path()}\n@@ -${g.int(1, 300)},${g.int(3, 9)} +${g.int(1, 300)},${g.int(3, 9)} @@\n${lines(g, 30, () => `${g.pick([' ', ' ', '-', '+'])}  ${g.pick(['const x = 1;', `return ${g.pick('fn')}(id);`, '}', `import { ${g.pick('fn')} } from './${g.pick('file')}';`, `if (!${g.pick('column')}) return;`, '// TODO: handle errors'])}`)}`,
    (g) => `${lines(g, 30, () => `${g.path()} | ${String(g.int(1, 200)).padStart(3)} ${'+'.repeat(g.int(0, 12))}${'-'.repeat(g.int(0, 8))}`)}\n ${g.int(1, 30)} files changed, ${g.int(1, 900)} insertions(+), ${g.int(0, 500)} deletions(-)`,
    (g) => `@@ ${g.pick('fn')} @@\n-${g.pick(['Click the button to continue.', 'Version 1.2', 'Run the installer.'])}\n+${g.pick(['Click "Next" to continue.', 'Version 1.3', 'Run the installer as an administrator.'])}`,
  ],
  code: CODE,
  'markdown-table': [
    (g) => {
      const cols = columns(g);
      return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...Array.from({ length: g.count(50) }, () => `| ${cols.map((c) => String(row(g, [c])[c])).join(' | ')} |`)].join('\n');
    },
    (g) => `| ${g.pick(['Plan', 'Tier', 'Option'])} | Price | Seats | Support |\n|---|---|---|---|\n${lines(g, 6, () => `| ${g.pick('plan')} | $${g.int(0, 99)}/mo | ${g.pick(['1', '5', '25', 'unlimited'])} | ${g.pick(['email', 'chat', '24/7 phone', 'community'])} |`)}`,
    (g) => `### ${g.pick('title')}\n\n| Step | Command | Notes |\n|---|---|---|\n${lines(g, 8, (i) => `| ${i + 1} | \`${g.pick('cmd')}\` | ${g.pick(['run once', 'needs admin rights', 'takes a few minutes', 'ignore the warnings', 'check the output'])} |`)}`,
    (g) => `| Day | High | Low | Conditions |\n|---|---|---|---|\n${lines(g, 7, () => `| ${g.pick('weekday')} | ${g.int(0, 35)}° | ${g.int(-10, 20)}° | ${g.pick('weather')} |`)}`,
    (g) => `Name | Role | Location\n---- | ---- | --------\n${lines(g, 30, () => `${g.name()} | ${g.pick(['Engineer', 'Designer', 'Manager', 'Support', 'Sales', 'Assistant'])} | ${g.pick('city')}`)}`,
    (g) => `| Metric | Value |\n|:--|--:|\n${lines(g, 12, () => `| ${g.pick(['Requests', 'Errors', 'p50 latency', 'p99 latency', 'CPU', 'Memory', 'Active users', 'Conversion'])} | ${g.int(0, 99999)}${g.pick(['', ' ms', '%', ' MB'])} |`)}`,
  ],
  calendar: [
    (g) => lines(g, 15, () => `${g.pick('weekday')} ${g.date()}  ${g.int(8, 18)}:${g.pick(['00', '30'])}–${g.int(9, 19)}:${g.pick(['00', '30'])}  ${g.pick('title')}${g.pick(['', ` (${g.pick(['Zoom', 'Room 2', 'Meet'])})`])}`),
    (g) => `${g.pick('city')}: ${g.pick('weather')}, ${g.int(-5, 35)}°C (feels like ${g.int(-8, 38)}°C). Wind ${g.int(0, 50)} km/h ${g.pick(['N', 'NE', 'SW', 'W'])}. ${g.pick(['Bring an umbrella.', 'UV index high: wear sunscreen.', 'Roads may be icy.', ''])}`,
    (g) => JSON.stringify({ events: Array.from({ length: g.count(12) }, () => ({ summary: g.pick('title'), start: g.iso(), end: g.iso(), attendees: Array.from({ length: g.int(1, 4) }, () => g.email()), location: g.pick(['Zoom', 'Room 4B', g.pick('city')]) })) }, null, 2),
    (g) => `You have ${g.int(0, 9)} events today:\n${lines(g, 9, () => `• ${g.int(8, 18)}:${g.pick(['00', '15', '30', '45'])} ${g.pick('title')} with ${g.pick('first')}`)}`,
    (g) => `Flight ${g.pick(['LH', 'BA', 'AF', 'UA', 'KL'])}${g.int(100, 9999)} ${g.pick('city')} → ${g.pick('city')}\nDeparts ${g.date()} ${g.int(5, 23)}:${g.pick(['05', '40', '15'])}, gate ${g.pick(['A', 'B', 'C'])}${g.int(1, 40)}\nStatus: ${g.pick(['On time', 'Delayed 35 min', 'Boarding', 'Cancelled'])}\nPlease arrive at the gate 30 minutes before departure.`,
    (g) => `Reservation confirmed: ${g.pick(['table for', 'room for', 'tickets for'])} ${g.int(1, 8)} on ${g.pick('weekday')} at ${g.int(17, 21)}:${g.pick(['00', '30'])}. Confirmation code ${g.hex(6).toUpperCase()}. Reply CANCEL to cancel.`,
  ],
};
