/** Inline SVG icons (simple shapes of our own) for the widget fixtures: icon-only controls carry no text. */
const paths: Record<string, string> = {
  bold: 'M6 4h7a4 4 0 0 1 0 8H6zm0 8h8a4 4 0 0 1 0 8H6z',
  italic: 'M10 4h8M6 20h8M14 4l-4 16',
  underline: 'M6 4v7a6 6 0 0 0 12 0V4M5 21h14',
  save: 'M5 3h11l3 3v15H5zM8 3v6h8V3M8 21v-7h8v7',
  undo: 'M9 14L4 9l5-5M4 9h11a5 5 0 0 1 0 10h-4',
  heart: 'M12 21l-8-8a5 5 0 0 1 8-6 5 5 0 0 1 8 6z',
  reply: 'M10 9V5l-7 7 7 7v-4c5 0 8 2 11 6-1-6-4-11-11-12z',
  share: 'M4 12v8h16v-8M12 3v13M7 8l5-5 5 5',
  dots: 'M5 12h.01M12 12h.01M19 12h.01',
  star: 'M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z',
  trash: 'M4 7h16M9 7V4h6v3M6 7l1 14h10l1-14',
  forward: 'M14 9V5l7 7-7 7v-4C9 15 6 17 3 21c1-6 4-11 11-12z',
  folder: 'M3 6h6l2 2h10v11H3z',
  file: 'M6 3h8l4 4v14H6zM14 3v4h4',
  chevron: 'M9 6l6 6-6 6',
};

export function svgIcon(name: keyof typeof paths, className = ''): string {
  return `<svg class="${className}" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="${paths[name]}"/></svg>`;
}
