// The dashboard's only way to data: the public GraphQL API at /graphql with the user's token. Every query
// the dashboard makes is in this module and returns plain figures, so the views never see the API's
// shape; when the supervision layer's roll-ups land, only this module changes.
//
// A figure is a number, or `null` when suppressed, or a Problem when the API refused or failed it (the
// views show "已抑制" or the reason, never a made-up zero).

const ENDPOINT = "/graphql";
const TOKEN_KEY = "shegong.dashboard.token";
// 50 stations with their rules and staff cost about 2,800 of the 5,000 a query may cost.
const STATION_PAGE = 50;

export class Problem {
  constructor(code, message) {
    this.code = code || "INTERNAL";
    this.message = message || "";
  }
  get forbidden() { return this.code === "FORBIDDEN" || this.code === "UNAUTHENTICATED"; }
}

export const isProblem = (value) => value instanceof Problem;

// --- token: kept for the tab only (sessionStorage), until a sign-in page exists --------------------
export function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }
export function setToken(value) { sessionStorage.setItem(TOKEN_KEY, value.trim()); }
export function clearToken() { sessionStorage.removeItem(TOKEN_KEY); }

// --- sign-in: the platform's token endpoint; the refresh token only to end the session on sign-out ----
const REFRESH_KEY = "shegong.dashboard.refresh";

export async function signIn(username, password, totp) {
  const form = new URLSearchParams({ grant_type: "password", username, password });
  if (totp) form.set("totp", totp);
  const response = await fetch("/auth/token", { method: "POST", body: form });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Problem("UNAUTHENTICATED", body.error_description || `HTTP ${response.status}`);
  setToken(body.access_token);
  sessionStorage.setItem(REFRESH_KEY, body.refresh_token);
}

export async function signOut() {
  const refresh = sessionStorage.getItem(REFRESH_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  clearToken();
  if (refresh) await fetch("/auth/revoke", { method: "POST", body: new URLSearchParams({ token: refresh }) }).catch(() => null);
}

// Who the token says it is, read without verifying (the gateway verifies every request): enough to start
// the right view's queries while `viewer()` confirms, which saves a round trip on the first load.
export function tokenHint() {
  try {
    const payload = token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
    if (typeof claims.role !== "string") return null;
    return { userId: claims.sub, role: claims.role.toUpperCase(), region: claims.region || null,
             stationIds: claims.stations || [] };
  } catch {
    return null;
  }
}

async function request(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/graphql-response+json, application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(ENDPOINT, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch (error) {
    return { data: null, problems: [new Problem("SERVICE_UNAVAILABLE", String(error))] };
  }
  let body;
  try {
    body = await response.json();
  } catch {
    return { data: null, problems: [new Problem("INTERNAL", `HTTP ${response.status}`)] };
  }
  const problems = (body.errors || []).map((e) => Object.assign(
    new Problem(e.extensions?.code, e.message), { path: e.path || [] }));
  return { data: body.data || null, problems };
}

// A field's value, or the Problem the API reported at (or above) its path.
function pick(result, field) {
  const value = result.data ? result.data[field] : null;
  if (value !== null && value !== undefined) return value;
  const problem = result.problems.find((p) => !p.path.length || p.path[0] === field);
  return problem || (result.data ? null : new Problem("INTERNAL", "no data"));
}

export class AuthError extends Error {}

export async function viewer() {
  const result = await request(`query DashboardViewer { viewer { userId role region stationIds } }`);
  const value = pick(result, "viewer");
  if (isProblem(value)) throw new AuthError(value.message);
  return value;
}

export async function region(code) {
  const result = await request(`query DashboardRegion($code: String!) {
    region(code: $code) { code name level parentCode parent { code name level parentCode }
      children { code name level children { code } } } }`, { code });
  return pick(result, "region");
}

// Headline figures of compliance and the station network.
export async function compliance(code) {
  const result = await request(`query DashboardCompliance($code: String!) {
    regionRollup(code: $code) { asOf stations operating byStatus { met notMet atRisk unknown }
      byRule { rule met notMet unknown notApplicable onTrack atRisk } } }`, { code });
  return pick(result, "regionRollup");
}

// Month ends before today, oldest first, and the roll-up of each: the compliance trend.
export async function complianceTrend(code, months = 6, today = new Date()) {
  const ends = [];
  for (let back = months; back >= 1; back -= 1) {
    const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back + 1, 0));
    ends.push(end.toISOString().slice(0, 10));
  }
  const fields = ends.map((d, i) => `m${i}: regionRollup(code: $code, asOf: "${d}") { asOf byStatus { met notMet atRisk unknown } }`);
  const result = await request(`query DashboardComplianceTrend($code: String!) { ${fields.join("\n")} }`, { code });
  if (!result.data) return result.problems[0] || new Problem("INTERNAL");
  return ends.map((d, i) => ({ asOf: d, ...(result.data[`m${i}`]?.byStatus || {}) }))
    .filter((row) => row.met !== undefined);
}

// Every station of the region the viewer may see, with what the station table shows.
export async function stations(code) {
  const items = [];
  let after = null;
  do {
    const result = await request(`query DashboardStations($code: String, $after: String) {
      stations(region: $code, first: ${STATION_PAGE}, after: $after) { totalCount nextCursor items {
        id name townshipCode countyCode cityCode status complianceStatus
        region { name } county { name }
        compliance { rules { rule status } }
        staff { professional trainingHoursThisYear employmentEnd } } } }`, { code, after });
    const page = pick(result, "stations");
    if (isProblem(page)) return page;
    items.push(...page.items);
    after = page.nextCursor;
  } while (after);
  return items.map((s) => {
    const current = (s.staff || []).filter((m) => !m.employmentEnd);
    return {
      id: s.id, name: s.name, townshipCode: s.townshipCode, countyCode: s.countyCode, cityCode: s.cityCode,
      township: s.region?.name || s.townshipCode, county: s.county?.name || s.countyCode,
      status: s.status, compliance: s.complianceStatus,
      failing: (s.compliance?.rules || []).filter((r) => r.status === "NOT_MET" || r.status === "AT_RISK").map((r) => r.rule),
      staff: current.length, professional: current.filter((m) => m.professional).length,
      trainingHours: current.reduce((sum, m) => sum + (m.trainingHoursThisYear || 0), 0),
    };
  });
}

export async function archives(code) {
  const result = await request(`query DashboardArchives($code: String) {
    archiveOverdueSummary(region: $code) { asOf households overdue neverAssessed
      stations { stationId households overdue neverAssessed } } }`, { code });
  return pick(result, "archiveOverdueSummary");
}

export async function cases(code) {
  const result = await request(`query DashboardCases($code: String) {
    caseSummary(region: $code) { open crisisActive crisisContactOverdue crisisBreaches overdue
      stations { stationId open crisisActive crisisContactOverdue crisisBreaches overdue
        openByStage { intake assessment plan inService review } } } }`, { code });
  return pick(result, "caseSummary");
}

export async function volunteers(code) {
  const result = await request(`query DashboardVolunteers($code: String) {
    volunteers(region: $code, first: 1) { totalCount } }`, { code });
  const page = pick(result, "volunteers");
  return isProblem(page) ? page : page.totalCount;
}

export async function unmetNeeds(code) {
  const result = await request(`query DashboardUnmet($code: String!) {
    unmetNeeds(region: $code) { total byDomain { key count } byRegion { regionCode domain count } } }`, { code });
  return pick(result, "unmetNeeds");
}

export async function money(code) {
  const result = await request(`query DashboardMoney($code: String!) {
    fundSupervision(region: $code) {
      total { allocatedFen contractedFen disbursedFen flaggedFen remainingFen unallocatedFen }
      byKind { sourceKind allocatedFen disbursedFen flaggedFen }
      byYear { year allocatedFen disbursedFen flaggedFen } } }`, { code });
  return pick(result, "fundSupervision");
}

// Visits, households served and volunteer hours per year (this year and the `years` - 1 before).
export async function outcomes(code, years = 3, today = new Date()) {
  const list = [];
  for (let y = today.getUTCFullYear() - years + 1; y <= today.getUTCFullYear(); y += 1) list.push(y);
  const fields = list.map((y) => `y${y}: costOutcome(region: $code, year: ${y}) { year
    outcomes { householdsServed householdsAssessed servicesDelivered volunteerHours visits casesClosed }
    total { disbursedFen } byRegion { regionCode disbursedFen outcomes { visits volunteerHours } } }`);
  const result = await request(`query DashboardOutcomes($code: String!) { ${fields.join("\n")} }`, { code });
  if (!result.data) return result.problems[0] || new Problem("INTERNAL");
  const rows = list.map((y) => result.data[`y${y}`]).filter(Boolean);
  return rows.length ? rows : (result.problems[0] || new Problem("INTERNAL"));
}

export async function station(id) {
  const result = await request(`query DashboardStation($id: ID!) {
    station(id: $id) { id name status statusSince townshipCode countyCode cityCode legalForm
      region { code name } county { code name }
      venue { officeAreaM2 activityRooms signboardHung address } population { residents year }
      operator { name } coordinator { name title }
      compliance { status since asOf rules { rule status since evidence } }
      staff { id name idNumber role professional trainingHoursThisYear employmentStart employmentEnd }
      caseload { staffId openCases crisisCases }
      contracts(first: 10) { id title status amountFen paidFen heldFen period { start end }
        disbursements(first: 24) { voucherNumber paidOn amountFen sourceName sourceKind status } } }
    caseSummary(stationId: $id) { open crisisActive crisisContactOverdue crisisBreaches overdue
      stations { openByStage { intake assessment plan inService review } } }
    archiveOverdueSummary(stationId: $id) { asOf households overdue neverAssessed } }`, { id });
  return { station: pick(result, "station"), cases: pick(result, "caseSummary"),
           archives: pick(result, "archiveOverdueSummary") };
}

// A table as CSV or Excel from the gateway's export endpoint (which logs the export): {blob} or {problem}.
export async function exportTable(table) {
  const headers = { "Content-Type": "application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  try {
    const response = await fetch("/dashboard/export", { method: "POST", headers, body: JSON.stringify(table) });
    if (response.ok) return { blob: await response.blob() };
    const body = await response.json().catch(() => ({}));
    const error = (body.errors || [])[0] || {};
    return { problem: new Problem(error.extensions?.code, error.message || `HTTP ${response.status}`) };
  } catch (error) {
    return { problem: new Problem("SERVICE_UNAVAILABLE", String(error)) };
  }
}

// The kept 月报/年报 of a region (every page of them), newest period first.
export async function reports(code) {
  const found = [];
  let after = null;
  do {
    const result = await request(`query DashboardReports($code: String, $after: String) {
      reports(region: $code, after: $after, first: 100) { nextCursor
        items { id regionName kind period generatedAt files { format url } } } }`, { code, after });
    const page = pick(result, "reports");
    if (isProblem(page)) return page;
    found.push(...page.items);
    after = page.nextCursor;
  } while (after);
  return found.sort((a, b) => b.period.localeCompare(a.period) || a.kind.localeCompare(b.kind));
}

export async function downloadReport(url) {
  const headers = {};
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  try {
    const response = await fetch(url, { headers });
    if (response.ok) return { blob: await response.blob() };
    const body = await response.json().catch(() => ({}));
    const error = (body.errors || [])[0] || {};
    return { problem: new Problem(error.extensions?.code, error.message || `HTTP ${response.status}`) };
  } catch (error) {
    return { problem: new Problem("SERVICE_UNAVAILABLE", String(error)) };
  }
}

// --- supervision: the alert feed, its live stream, sessions and follow-ups ------------------------
const ALERT_PAGE = 20;
const ALERT_FIELDS = `id rule severity status stationId regionCode subjectType subjectId firstSeen conditionClearedAt
  version station { name } acknowledged { by at note } resolved { by at note }
  escalation { level regionCode at }`;

// One page of the viewer's alerts; `filters`: { region, severity, status, escalated } (absent: any).
export async function alerts(filters = {}, after = null) {
  const variables = { after, first: ALERT_PAGE };
  for (const key of ["region", "severity", "status", "escalated"]) {
    if (filters[key] !== undefined && filters[key] !== null && filters[key] !== "") variables[key] = filters[key];
  }
  const result = await request(`query DashboardAlerts($region: String, $severity: AlertSeverity,
      $status: AlertStatusFilter, $escalated: Boolean, $after: String, $first: Int) {
    alerts(region: $region, severity: $severity, status: $status, escalated: $escalated, after: $after, first: $first) {
      totalCount nextCursor items { ${ALERT_FIELDS} } } }`, variables);
  return pick(result, "alerts");
}

// Acknowledge (`action` "acknowledge") or resolve an alert with a note: the alert after the change, or a Problem.
export async function handleAlert(action, id, expectedVersion, note) {
  const acknowledge = action !== "resolve";
  const result = await request(`mutation DashboardHandleAlert($id: ID!, $input: AlertActionInput!, $acknowledge: Boolean!) {
    acknowledgeAlert(id: $id, input: $input) @include(if: $acknowledge) { alert { ${ALERT_FIELDS} } }
    resolveAlert(id: $id, input: $input) @skip(if: $acknowledge) { alert { ${ALERT_FIELDS} } } }`,
  { id, input: { expectedVersion, note }, acknowledge });
  const payload = pick(result, acknowledge ? "acknowledgeAlert" : "resolveAlert");
  return isProblem(payload) || !payload ? (payload || new Problem("INTERNAL")) : payload.alert;
}

// The push channel: server-sent events of the viewer's alerts (GET /events/alerts). Read with fetch, not
// EventSource, so the token travels in the Authorization header and never in a URL. `onEvent({type, ...})`
// for each event; reconnects after `retry` ms when the stream ends. Returns a function that stops it.
export function followAlerts(onEvent, { region = null, onOpen = () => {} } = {}) {
  const controller = new AbortController();
  let stopped = false;
  let retry = 3000;
  const url = region ? `/events/alerts?region=${encodeURIComponent(region)}` : "/events/alerts";
  async function connect() {
    while (!stopped) {
      try {
        const response = await fetch(url, { headers: { Authorization: `Bearer ${token()}`, Accept: "text/event-stream" },
                                            signal: controller.signal, cache: "no-store" });
        if (!response.ok) { if (response.status === 401 || response.status === 403) return; throw new Error(`HTTP ${response.status}`); }
        onOpen();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message = { event: "message", data: "" };
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) message.event = line.slice(7);
              else if (line.startsWith("data: ")) message.data += line.slice(6);
              else if (line.startsWith("retry: ")) retry = Number(line.slice(7)) || retry;
            }
            if (message.data && message.event.startsWith("alert.")) onEvent({ ...JSON.parse(message.data), type: message.event });
          }
        }
      } catch (error) {
        if (stopped) return;
      }
      await new Promise((resolve) => setTimeout(resolve, retry));
    }
  }
  connect();
  return () => { stopped = true; controller.abort(); };
}

const SESSION_PAGE = 50;

// Supervision sessions of a region (every page), with their follow-ups: the calendar and the open follow-ups.
export async function sessions(code, { openFollowUps = false } = {}) {
  const found = [];
  let after = null;
  do {
    const result = await request(`query DashboardSessions($code: String, $open: Boolean, $after: String) {
      supervisionSessions(region: $code, openFollowUps: $open, after: $after, first: ${SESSION_PAGE}) { nextCursor
        items { id stationId regionCode date form durationMinutes topics station { name } supervisor { name }
          followUps { followUpId description owner dueOn status doneOn } } } }`,
    { code, open: openFollowUps || null, after });
    const page = pick(result, "supervisionSessions");
    if (isProblem(page)) return page;
    found.push(...page.items);
    after = page.nextCursor;
  } while (after);
  return found;
}

// --- the supervision roll-ups (issue 11): headline figures from supervision's read models ---------
// The roll-up of a region this year: households and their archives, cases, visits, crisis contacts, and the
// volunteer hours approved (the "本年服务时长" of the volunteers card).
export async function rollup(code) {
  const result = await request(`query DashboardRollup($code: String!) {
    supervisionRollup(region: $code) { asOf period { from to }
      households { registered currentArchive archiveFreshness neverAssessed }
      cases { open opened closed closureRate } visits { count householdsVisited }
      crisis { flagged breaches awaitingContact } volunteers { hoursApproved } } }`, { code });
  return pick(result, "supervisionRollup");
}

// Protected figures as {key: value} with null for a suppressed one (and `suppressed` listing why).
function protectedFigures(region) {
  const values = {};
  const reasons = {};
  for (const f of region.figures) {
    values[f.key] = f.suppressed ? null : f.value;
    if (f.suppressed) reasons[f.key] = f.reason;
  }
  return { regionCode: region.regionCode, name: region.name, values, reasons };
}

// The roll-up's counts of people for a region and its children, small township counts suppressed.
export async function protectedRollup(code) {
  const result = await request(`query DashboardProtectedRollup($code: String!) {
    supervisionProtectedRollup(region: $code) { threshold
      region { regionCode name figures { key value suppressed reason } }
      children { regionCode name figures { key value suppressed reason } } } }`, { code });
  const value = pick(result, "supervisionProtectedRollup");
  if (isProblem(value) || !value) return value;
  return { threshold: value.threshold, region: protectedFigures(value.region), children: value.children.map(protectedFigures) };
}

// The same protected figures month by month (the last `months` months, this one included), oldest first.
export async function protectedTrend(code, months = 6, today = new Date()) {
  const list = [];
  for (let back = months - 1; back >= 0; back -= 1) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back, 1));
    list.push({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 });
  }
  const fields = list.map((p, i) => `m${i}: supervisionProtectedRollup(region: $code, period: {year: ${p.year}, month: ${p.month}}) {
    region { regionCode name figures { key value suppressed reason } } }`);
  const result = await request(`query DashboardProtectedTrend($code: String!) { ${fields.join("\n")} }`, { code });
  if (!result.data) return result.problems[0] || new Problem("INTERNAL");
  return list.map((p, i) => ({ month: `${p.year}-${String(p.month).padStart(2, "0")}`,
                               ...(result.data[`m${i}`] ? protectedFigures(result.data[`m${i}`].region) : { values: {}, reasons: {} }) }));
}
