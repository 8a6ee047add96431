/**
 * Terraform reads every string of a `.tf.json` file as a template: `${...}` is an interpolation
 * and `%{...}` a directive, wherever they appear (a shell script's `${name:-}` included). This
 * module states the project's rule once: text is literal, and the only expressions in the
 * synthesized JSON are the ones cdktf generates from tokens.
 *
 * - `terraformLiteral` escapes text for a Terraform string (`${` -> `$${`, `%{` -> `%%{`), keeping
 *   cdktf's token markers intact so references mixed into text still resolve.
 * - `templateSequences` scans a synthesized string the way Terraform's template scanner does and
 *   returns the sequences it would evaluate, for the checks that prove nothing else slipped in.
 */

/** cdktf's encoded string token (`${TfToken[TOKEN.12]}`): an expression cdktf renders itself. */
const CDKTF_TOKEN = /\$\{TfToken\[[^\]]*\]\}/g;

function escapeText(text: string): string {
  // Function replacements: "$${" as a replacement string would itself be read as an escape.
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/**
 * Text as a literal Terraform string: Terraform reads back exactly `text`. cdktf tokens inside it
 * are left alone (they become references when cdktf resolves them).
 */
export function terraformLiteral(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(CDKTF_TOKEN)) {
    out += escapeText(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + escapeText(text.slice(last));
}

/** What Terraform reads a synthesized (escaped) string as, for literals: the inverse of terraformLiteral. */
export function unescapeTerraformLiteral(synthesized: string): string {
  return synthesized.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
}

export interface TemplateSequence {
  /** "${" (interpolation) or "%{" (directive). */
  readonly opener: "${" | "%{";
  /** The expression between the braces (unterminated: the rest of the string). */
  readonly expression: string;
  /** Whether a closing brace was found. */
  readonly terminated: boolean;
}

/**
 * Every template sequence Terraform would evaluate in a string of `.tf.json`: `$${` and `%%{`
 * are escapes (literal text); braces and quoted strings nest inside a sequence.
 */
export function templateSequences(text: string): TemplateSequence[] {
  const out: TemplateSequence[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      i += 3;
      continue;
    }
    if (!text.startsWith("${", i) && !text.startsWith("%{", i)) {
      i++;
      continue;
    }
    const opener = text.slice(i, i + 2) as "${" | "%{";
    let depth = 1;
    let j = i + 2;
    let inString = false;
    for (; j < text.length && depth > 0; j++) {
      const ch = text[j];
      if (inString) {
        if (ch === "\\") j++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{") depth++;
      else if (ch === "}") depth--;
    }
    const terminated = depth === 0;
    out.push({ opener, expression: text.slice(i + 2, terminated ? j - 1 : j), terminated });
    i = j;
  }
  return out;
}

/**
 * The expressions cdktf generates in this project: references to resources, data sources and
 * their attributes (`tls_private_key.x.private_key_pem`, `data.terraform_remote_state.x.outputs.y`),
 * `terraform.workspace`, `self.<attribute> == <number>` (postconditions) and `pathexpand("<path>")`
 * of a plain path. Anything else in a template sequence is text that was not escaped.
 */
const REFERENCE = /(data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+|\[\d+\])*/.source;

const GENERATED_EXPRESSION = new RegExp(
  [
    REFERENCE,
    /terraform\.workspace/.source,
    /self\.[a-z_]+ == \d+/.source,
    /pathexpand\("[^"\\$%{}]*"\)/.source,
  ]
    .map((alternative) => `(?:${alternative})`)
    .join("|")
    .replace(/^/, "^(?:")
    .concat(")$"),
);

/**
 * The one generated expression beyond references, and only as the value of a write-only argument
 * (`*_wo`, never stored in state): `file(<reference>)`, a secret handed over as an
 * operator-directory file whose path crosses the stack boundary (constructs/operator-directory.ts
 * `HandedOverSecret`). Never a literal path.
 */
const HANDED_OVER_SECRET_READ = new RegExp(`^file\\((?:${REFERENCE})\\)$`);

/** Whether `expression` is a handed-over secret read in the argument named `key`. */
export function isHandedOverSecretRead(key: string | undefined, expression: string): boolean {
  return key !== undefined && key.endsWith("_wo") && HANDED_OVER_SECRET_READ.test(expression);
}

/**
 * Template sequences of a synthesized string that the project did not generate (escaping bugs,
 * injected text). `key`, the argument the string is the value of, admits a handed-over secret read.
 */
export function unexpectedTemplateSequences(text: string, key?: string): TemplateSequence[] {
  return templateSequences(text).filter(
    (s) => s.opener !== "${" || !s.terminated || !(GENERATED_EXPRESSION.test(s.expression) || isHandedOverSecretRead(key, s.expression)),
  );
}
