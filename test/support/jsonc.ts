/** The platforms' documented samples annotate their JSON with `//` comments (`.jsonc`). */
/** Removes `//` line comments outside strings (the docs' samples annotate their JSON). */
export const stripJsonComments = (text: string): string => {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else out += c;
  }
  return out;
};
