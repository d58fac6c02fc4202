// Word pools and the drawing context for the generated benign tool outputs (tool-output-gen.mjs).
//
// The set is split so that tuning never sees the test part: a template belongs to one split (see
// tool-output-gen.mjs), and every pool below is split too — in a pool of four or more entries, every
// fourth entry is drawn only by test templates, the others only by train templates. A test text is
// thus a template the training never saw, filled with names, paths and values it never saw.
import { mulberry32 } from './common.mjs';

export const POOLS = {
  first: ['Alice', 'Bob', 'Maria', 'Chen', 'Priya', 'Tom', 'Fatima', 'Lars', 'Yuki', 'Omar', 'Sofia', 'Diego', 'Anna', 'Kwame', 'Ingrid', 'Ravi', 'Elena', 'Jonas', 'Mei', 'Tariq'],
  last: ['Smith', 'Garcia', 'Nguyen', 'Müller', 'Okafor', 'Rossi', 'Kowalski', 'Tanaka', 'Silva', 'Johansson', 'Patel', 'Dubois', 'Kim', 'Haddad', 'Novak', 'Brown'],
  company: ['Acme Corp', 'Globex', 'Initech', 'Umbrella Health', 'Stark Logistics', 'Wayne Foods', 'Hooli', 'Vandelay Imports', 'Soylent Labs', 'Pied Piper', 'Northwind Traders', 'Contoso', 'Tailspin Toys', 'Fabrikam', 'Blue Yonder Air', 'Litware'],
  domain: ['example.com', 'acme.io', 'globex.net', 'initech.org', 'contoso.com', 'northwind.dev', 'fabrikam.co', 'litware.app'],
  city: ['Berlin', 'Lisbon', 'Toronto', 'Nairobi', 'Osaka', 'Austin', 'Lyon', 'Melbourne', 'Oslo', 'Pune', 'Denver', 'Seville', 'Leeds', 'Porto Alegre', 'Gdańsk', 'Hanoi'],
  country: ['France', 'Germany', 'Japan', 'Brazil', 'Kenya', 'Canada', 'India', 'Spain', 'Norway', 'Mexico', 'Poland', 'Vietnam'],
  street: ['Main St', 'Oak Avenue', 'Harbor Road', 'Station Street', 'Elm Drive', 'Market Square', 'Mill Lane', 'Park Boulevard'],
  product: ['Standing desk', 'USB-C hub', 'Noise-cancelling headphones', 'Espresso machine', 'Trail running shoes', 'Mechanical keyboard', 'Water bottle', '4K monitor', 'Office chair', 'Backpack', 'Desk lamp', 'Webcam'],
  plan: ['Free', 'Starter', 'Pro', 'Team', 'Business', 'Enterprise', 'Basic', 'Premium'],
  service: ['api-gateway', 'billing', 'auth', 'search', 'payments', 'notifications', 'inventory', 'checkout', 'scheduler', 'reporting', 'ingest', 'web', 'worker', 'mailer', 'cache', 'export'],
  env: ['production', 'staging', 'dev', 'eu-west-1', 'us-east-2', 'canary', 'qa', 'ap-south-1'],
  dir: ['src', 'lib', 'docs', 'test', 'scripts', 'config', 'public', 'assets', 'migrations', 'bin', 'examples', 'internal', 'pkg', 'cmd', 'tools', 'vendor'],
  file: ['index', 'main', 'server', 'utils', 'config', 'README', 'handler', 'routes', 'models', 'client', 'parser', 'schema', 'app', 'db', 'auth', 'cli', 'types', 'logger', 'worker', 'settings'],
  ext: ['ts', 'js', 'py', 'go', 'md', 'json', 'yaml', 'rs', 'java', 'sql', 'css', 'html', 'toml', 'sh', 'rb', 'txt'],
  table: ['users', 'orders', 'invoices', 'products', 'customers', 'events', 'payments', 'sessions', 'tickets', 'accounts', 'shipments', 'subscriptions'],
  column: ['id', 'name', 'email', 'status', 'created_at', 'amount', 'country', 'total', 'quantity', 'updated_at', 'plan', 'owner', 'price', 'region', 'due_date', 'priority'],
  status: ['active', 'pending', 'closed', 'open', 'shipped', 'cancelled', 'paid', 'overdue', 'draft', 'archived', 'resolved', 'in progress'],
  level: ['INFO', 'DEBUG', 'WARN', 'INFO', 'ERROR', 'INFO', 'TRACE', 'INFO'],
  logmsg: ['request completed', 'cache miss for key {k}', 'connected to database', 'retrying in {n} ms', 'user {u} logged in', 'job {n} finished', 'slow query ({n} ms)', 'config reloaded', 'health check passed', 'processed {n} messages', 'token refreshed', 'listening on port {p}', 'rate limit reached for {u}', 'flushing {n} records', 'scheduled task started', 'upload complete ({n} bytes)', 'connection closed by peer', 'migrating schema to v{n}', 'GC pause {n} ms', 'worker {n} ready'],
  errmsg: ['connection refused', 'timeout after 30s', 'permission denied', 'file not found', 'invalid JSON in request body', 'duplicate key value violates unique constraint', 'out of memory', 'certificate has expired', 'too many open files', 'disk quota exceeded', 'unexpected end of input', 'resource temporarily unavailable'],
  httpPath: ['/api/users', '/api/orders', '/health', '/login', '/v1/search', '/static/app.js', '/api/invoices', '/metrics', '/v2/items', '/checkout', '/api/tickets', '/favicon.ico'],
  verb: ['GET', 'POST', 'GET', 'PUT', 'DELETE', 'GET', 'PATCH', 'GET'],
  topic: ['renewable energy', 'the history of jazz', 'sourdough baking', 'remote work', 'urban gardening', 'electric cars', 'sleep research', 'ancient Rome', 'coral reefs', 'chess openings', 'the stock market', 'language learning', 'bird migration', 'coffee farming', 'space telescopes', 'public libraries'],
  fact: ['Paris', 'Mount Kilimanjaro', 'two', 'Venus', 'Leonardo da Vinci', '1989', 'about 384,400 km', 'the Pacific Ocean', 'Alexander Graham Bell', 'Ottawa', 'the Sahara', '206'],
  word: ['library', 'bread', 'window', 'river', 'friendship', 'mountain', 'kitchen', 'summer', 'butterfly', 'train', 'apple', 'morning'],
  lang: ['French', 'German', 'Spanish', 'Italian', 'Portuguese', 'Dutch', 'Japanese', 'Swedish'],
  weather: ['sunny', 'partly cloudy', 'light rain', 'overcast', 'thunderstorms', 'clear', 'snow showers', 'windy'],
  weekday: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'Monday'],
  month: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
  doc: ['the quarterly report', 'the contract draft', 'the slides', 'the invoice', 'the meeting notes', 'the design doc', 'the budget', 'the onboarding checklist', 'the release plan', 'the audit findings', 'the roadmap', 'the test plan'],
  task: ['update the dependencies', 'fix the flaky login test', 'write the migration', 'review the pricing page', 'rotate the staging keys', 'migrate the cron jobs', 'add pagination to the list endpoint', 'clean up old feature flags', 'document the webhook format', 'upgrade Node to 20', 'profile the search query', 'translate the onboarding emails'],
  pkg: ['express', 'react', 'lodash', 'axios', 'zod', 'fastify', 'pg', 'dayjs', 'vitest', 'prettier', 'commander', 'chalk', 'undici', 'ws', 'yaml', 'pino'],
  cmd: ['npm install', 'npm run build', 'make test', 'docker compose up -d', 'pip install -r requirements.txt', 'cargo build --release', 'go test ./...', 'npx prisma migrate dev', 'poetry install', 'yarn dev', 'terraform plan', 'kubectl apply -f deploy.yaml'],
  tool: ['the dashboard', 'the admin console', 'the CLI', 'the settings page', 'the mobile app', 'the billing portal', 'the web UI', 'the API'],
  exception: ['ValueError', 'KeyError', 'TypeError', 'RuntimeError', 'IndexError', 'AttributeError', 'ConnectionError', 'FileNotFoundError'],
  jsError: ['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'Error', 'AbortError', 'TypeError', 'Error'],
  fn: ['parseConfig', 'handleRequest', 'loadUser', 'computeTotal', 'sendEmail', 'fetchOrders', 'validateInput', 'renderPage', 'connect', 'processBatch', 'resolvePath', 'buildIndex', 'serialize', 'runJob', 'applyDiscount', 'openSession'],
  commit: ['fix typo in README', 'bump version to 2.4.1', 'add retry to webhook sender', 'refactor auth middleware', 'update dependencies', 'handle empty search results', 'speed up CSV export', 'remove unused imports', 'add tests for invoice totals', 'improve error messages', 'support dark mode', 'drop Node 16'],
  label: ['bug', 'enhancement', 'documentation', 'question', 'good first issue', 'help wanted', 'priority: high', 'needs triage'],
  issue: ['Login page shows a blank screen on Safari', 'Export to CSV drops the last row', 'Add dark mode to settings', 'Crash when uploading large files', 'Search is slow for long queries', 'Typo in the welcome email', 'Support SSO with Okta', 'Invoice PDF has wrong currency', 'Timezone off by one hour in reports', 'Pagination skips items', 'Mobile menu does not close', 'Password reset link expires too soon'],
  complaint: ["I can't log in since yesterday", 'my order arrived damaged', 'I was charged twice this month', 'the app crashes when I open my profile', "I haven't received my refund yet", 'the tracking link does not work', 'my invoice shows the wrong address', 'I want to change my plan', 'the export button does nothing', 'I forgot my password and the reset email never arrives', 'the delivery is two weeks late', 'I need a copy of my receipt'],
  title: ['How to configure the proxy', 'Release notes 3.2', 'Getting started', 'Troubleshooting guide', 'Pricing FAQ', 'Security overview', 'API reference: orders', 'Migration guide from v1', 'Team handbook', 'Onboarding checklist', 'Incident postmortem 2024-03-11', 'Style guide'],
};

/** The part of a named pool a split may draw from (pools of fewer than four entries are shared). */
const parts = new Map();
function poolPart(name, split) {
  let p = parts.get(name);
  if (p === undefined) {
    const list = POOLS[name];
    if (list === undefined) throw new Error(`no pool ${name}`);
    p = list.length < 4 ? { train: list, test: list } : { train: list.filter((_, i) => i % 4 !== 3), test: list.filter((_, i) => i % 4 === 3) };
    parts.set(name, p);
  }
  return p[split];
}

/**
 * The drawing context a template gets: seeded randomness, and `pick` from the split's part of a
 * named pool, or from an inline list (inline lists belong to one template, hence to one split).
 */
export function drawContext(seed, split) {
  const rng = mulberry32(seed);
  const int = (a, b) => a + Math.floor(rng() * (b - a + 1));
  const g = {
    rng,
    split,
    int,
    pick: (list) => {
      const part = typeof list === 'string' ? poolPart(list, split) : list;
      return part[Math.floor(rng() * part.length)];
    },
    maybe: (p, s) => (rng() < p ? (typeof s === 'function' ? s() : s) : ''),
    /** A record count: log-uniform in [1, max], so that one-liners and long listings both occur. */
    count: (max) => Math.max(1, Math.floor(Math.exp(rng() * Math.log(max + 1)))),
    name: () => `${g.pick('first')} ${g.pick('last')}`,
    email: () => `${g.pick('first').toLowerCase()}.${g.pick('last').toLowerCase().replace(/[^a-z]/g, '')}@${g.pick('domain')}`,
    path: () => `${g.pick('dir')}/${g.maybe(0.4, () => `${g.pick('dir')}/`)}${g.pick('file')}.${g.pick('ext')}`,
    date: () => `202${int(2, 5)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`,
    time: () => `${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}`,
    money: () => `${(int(100, 99999) / 100).toFixed(2)}`,
    hex: (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join(''),
    ip: () => `${int(10, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  };
  g.iso = () => `${g.date()}T${g.time()}.${String(int(0, 999)).padStart(3, '0')}Z`;
  return g;
}

/** "{n}", "{k}", "{u}", "{p}" in a log message template, filled. */
export function fillLog(g, msg) {
  return msg.replace(/\{n\}/g, () => String(g.int(1, 5000))).replace(/\{k\}/g, () => `${g.pick('table')}:${g.int(1, 99999)}`).replace(/\{u\}/g, () => g.email()).replace(/\{p\}/g, () => String(g.int(3000, 9999)));
}

/** `n` lines (a count from g.count(max)), each from `line(i)`. */
export function lines(g, max, line) {
  return Array.from({ length: g.count(max) }, (_, i) => line(i)).join('\n');
}
