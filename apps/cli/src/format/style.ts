/** Colours for a terminal, none for a pipe or when NO_COLOR is set. */
export interface Style {
  heading(text: string): string;
  accent(text: string): string;
  muted(text: string): string;
  info(text: string): string;
  command(text: string): string;
  success(text: string): string;
  error(text: string): string;
}

const id = (text: string) => text;
export const plain: Style = { heading: id, accent: id, muted: id, info: id, command: id, success: id, error: id };

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
export const rich: Style = {
  heading: sgr(1, 22),
  accent: sgr(96, 39),
  muted: sgr(90, 39),
  info: sgr(36, 39),
  command: sgr(33, 39),
  success: sgr(32, 39),
  error: sgr(31, 39),
};

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  return stream.isTTY && !env.NO_COLOR && env.TERM !== "dumb" ? rich : plain;
}
