// The input rules of `canarykit newApp`. Each validator returns an error message naming the flag
// and the rule, or undefined when the value is fine. Pure functions: no file system, no Yeoman.

export type Check = (value: string) => string | undefined;

/** Helm refuses release names longer than this (they become label values and object names). */
export const HELM_RELEASE_NAME_MAX = 53;

/** App name: a DNS-1123 label that also starts with a letter (RFC 1035), as Service names must. */
export const checkName: Check = (value) => {
  const rule = 'a DNS-1123 label: lower-case letters, digits and "-", starting with a letter, ending with a letter or digit, at most 63 characters';
  if (value === '') return `--name must not be empty (${rule})`;
  if (value.includes('/') || value.includes('..')) return `--name "${value}" must not contain "/" or "..": it names a Kubernetes object, not a path (${rule})`;
  if (value.length > 63) return `--name "${value}" is ${value.length} characters long; at most 63 are allowed (${rule})`;
  if (/[A-Z]/.test(value)) {
    const lower = value.toLowerCase();
    return `--name "${value}" has upper case letters${checkName(lower) === undefined ? `; use "${lower}"` : ''} (${rule})`;
  }
  if (/^[0-9]/.test(value)) return `--name "${value}" starts with a digit (${rule})`;
  if (value.startsWith('-')) return `--name "${value}" starts with "-" (${rule})`;
  if (value.endsWith('-')) return `--name "${value}" ends with "-" (${rule})`;
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)) return `--name "${value}" has characters other than a-z, 0-9 and "-" (${rule})`;
  return undefined;
};

/** App version: "v" then a positive major number without leading zeros (v1, v2, v10). */
export const checkAppVersion: Check = (value) => {
  if (/^v[1-9][0-9]{0,5}$/.test(value)) return undefined;
  return `--app-version "${value}" must be "v" followed by a major version number from 1 (v1, v2, v10): it becomes the version label, the Helm release suffix and the image tag <major>.0.0`;
};

export const PROJECT_TYPES = ['server', 'client'] as const;
export type ProjectTypeName = (typeof PROJECT_TYPES)[number];

export const checkType: Check = (value) =>
  (PROJECT_TYPES as readonly string[]).includes(value) ? undefined : `--type "${value}" is unknown: use one of ${PROJECT_TYPES.join(', ')}`;

export const checkPort: Check = (value) => {
  if (/^[0-9]+$/.test(value)) {
    const port = Number(value);
    if (port >= 1 && port <= 65535) return undefined;
  }
  return `--port "${value}" must be a whole number from 1 to 65535`;
};

// Docker's reference grammar (github.com/distribution/reference, regexp.go), written out piece by piece.
const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6})`;
const domain = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const referencePattern = new RegExp(`^((?:${domain}/)?${pathComponent}(?:/${pathComponent})*)(?::(${tag}))?(?:@(${digest}))?$`);
const NAME_TOTAL_MAX = 255;

export type ImageReference = { repository: string; tag?: string; digest?: string };

/** Splits an image reference the way Docker does, or returns an error message. */
export function parseImageReference(value: string): ImageReference | string {
  const rule =
    'Docker\'s image reference grammar: [registry[:port]/]path[:tag][@digest], the path in lower case (letters, digits, and ".", "_", "__" or "-" between them)';
  if (value === '') return `--image must not be empty (${rule})`;
  const match = referencePattern.exec(value);
  if (!match) {
    const [first = '', ...rest] = value.split('/');
    const hasRegistry = rest.length > 0 && (/[.:]/.test(first) || first === 'localhost');
    const path = hasRegistry ? rest.join('/') : value;
    const hint = /[A-Z]/.test(path.split(/[:@]/)[0] ?? '') ? ' (the repository path has upper case letters)' : '';
    return `--image "${value}" is not a valid image reference${hint}: ${rule}`;
  }
  const repository = match[1] ?? '';
  if (repository.length > NAME_TOTAL_MAX)
    return `--image "${value}": the repository name is ${repository.length} characters long; Docker allows ${NAME_TOTAL_MAX}`;
  const reference: ImageReference = { repository };
  if (match[2] !== undefined) reference.tag = match[2];
  if (match[3] !== undefined) reference.digest = match[3];
  return reference;
}

export const checkImage: Check = (value) => {
  const parsed = parseImageReference(value);
  if (typeof parsed === 'string') return parsed;
  if (parsed.digest !== undefined) {
    return `--image "${value}" pins a digest; the project builds and tags its own image, so give a repository (optionally with :tag)`;
  }
  return undefined;
};

/** Kubernetes label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
export const checkLabelKey: Check = (value) => {
  const rule =
    'a Kubernetes label key: [prefix/]name, the name at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; the prefix a DNS subdomain';
  if (value === '') return `--version-label must not be empty (${rule})`;
  const parts = value.split('/');
  if (parts.length > 2) return `--version-label "${value}" has more than one "/" (${rule})`;
  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  const prefix = parts.length === 2 ? (parts[0] ?? '') : undefined;
  if (name.length === 0 || name.length > 63 || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)) {
    return `--version-label "${value}" is not a valid label key (${rule})`;
  }
  if (prefix !== undefined) {
    const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    if (prefix.length === 0 || prefix.length > 253 || !subdomain.test(prefix)) return `--version-label "${value}" has an invalid prefix "${prefix}" (${rule})`;
  }
  return undefined;
};

/** gRPC target of a client: dns:///host:port (behind an Envoy sidecar) or xds:///host:port (proxyless). */
export const checkTarget: Check = (value) => {
  const rule = '"dns:///<host>:<port>" (sidecar mode) or "xds:///<host>:<port>" (proxyless gRPC)';
  const match = /^(dns|xds):\/\/\/([^:/\s]+)(?::([0-9]+))?$/.exec(value);
  if (!match) return `--target "${value}" must be ${rule}`;
  const port = match[3];
  if (port !== undefined && checkPort(port) !== undefined) return `--target "${value}" has port ${port}; use 1 to 65535 (${rule})`;
  return undefined;
};

/** Shared by --name and --app-version: the Helm release <name>-<version> must fit Helm's limit. */
export function checkReleaseName(name: string, appVersion: string): string | undefined {
  const release = `${name}-${appVersion}`;
  if (release.length <= HELM_RELEASE_NAME_MAX) return undefined;
  return `--name "${name}" with --app-version ${appVersion} gives the Helm release name "${release}" (${release.length} characters); Helm allows ${HELM_RELEASE_NAME_MAX}, so shorten --name to at most ${HELM_RELEASE_NAME_MAX - appVersion.length - 1}`;
}
