/**
 * A tenant's branding of its hosted pages (settings.branding): the name and logo shown, two colours, and links the
 * footer of every page carries. No store or HTTP code here, so the admin schemas and the page shell share it.
 */
export interface Branding {
  /** Shown instead of the tenant's name on pages and in emails. */
  readonly displayName?: string;
  /** An https image URL: the only remote resource a hosted page loads (CSP img-src names its origin only). */
  readonly logoUrl?: string;
  /** Buttons and links, `#rrggbb`; white button text on it must meet WCAG AA (4.5:1). */
  readonly primaryColor?: string;
  /** The page behind the card, `#rrggbb` (light colour scheme). */
  readonly backgroundColor?: string;
  readonly supportUrl?: string;
  readonly privacyUrl?: string;
  readonly termsUrl?: string;
}

/** What a hosted page is branded with: the name to show and the tenant's branding, if any. */
export interface Brand {
  readonly name: string;
  readonly branding?: Branding | undefined;
}

export function brandOf(tenant: { readonly name: string; readonly settings: { readonly branding?: Branding } }): Brand {
  const branding = tenant.settings.branding;
  return { name: branding?.displayName ?? tenant.name, branding };
}

export const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/** WCAG 2.x relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** WCAG 2.x contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** WCAG 2.1 AA for normal-size text (1.4.3). */
export const AA_CONTRAST = 4.5;

/** Why a primary colour cannot carry the buttons' white text, or undefined when it can. */
export function primaryColorProblem(color: string): string | undefined {
  const ratio = contrastRatio(color, '#ffffff');
  return ratio >= AA_CONTRAST
    ? undefined
    : `white button text on ${color} has a contrast of ${ratio.toFixed(2)}:1; WCAG AA needs ${AA_CONTRAST}:1 (choose a darker colour)`;
}
