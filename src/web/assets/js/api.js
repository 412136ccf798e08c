// Reading Sonde's HTTP APIs: the Prometheus API v1 answers
// {status, data, error, errorType, warnings}; Alertmanager's API v2 answers
// plain JSON, and a JSON string on error.

export class ApiError extends Error {
  constructor(message, {status = 0, errorType = ''} = {}) {
    super(message);
    this.status = status;
    this.errorType = errorType;
  }
}

// Query parameters from an object; arrays repeat their key (match[]).
export function searchParams(params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  return search;
}

async function request(path, {params, method = 'GET', body, signal} = {}) {
  const search = searchParams(params);
  const url = search.toString() ? `${path}?${search}` : path;
  let response;
  try {
    response = await fetch(url, {method, body, signal, headers: typeof body === 'string' ? {'Content-Type': 'application/json'} : {}});
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(`cannot reach the server: ${error.message}`);
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    if (!response.ok) throw new ApiError(`${response.status} ${response.statusText}: ${text.trim()}`, {status: response.status});
    throw new ApiError(`the server answered ${path} with something that is not JSON`, {status: response.status});
  }
  return {response, json};
}

// GET (or POST, for long queries) a Prometheus API v1 path; resolves to
// {data, warnings, infos}, rejects with an ApiError naming the problem.
export async function api(path, params = {}, {signal, method = 'GET'} = {}) {
  let options = {params, signal};
  if (method === 'POST') options = {method, signal, body: searchParams(params)};
  const {response, json} = await request(path, options);
  if (json && json.status === 'error') {
    throw new ApiError(json.error || `${response.status} ${response.statusText}`, {status: response.status, errorType: json.errorType});
  }
  if (!response.ok || !json) throw new ApiError(`${response.status} ${response.statusText}`, {status: response.status});
  return {data: json.data, warnings: json.warnings || [], infos: json.infos || []};
}

// Alertmanager API v2: resolves to the JSON body.
export async function amApi(path, {params, method = 'GET', body, signal} = {}) {
  const {response, json} = await request(path, {params, method, signal, body: body === undefined ? undefined : JSON.stringify(body)});
  if (!response.ok) {
    const message = typeof json === 'string' ? json : (json && (json.message || json.error)) || response.statusText;
    throw new ApiError(`${response.status}: ${message}`, {status: response.status});
  }
  return json;
}
