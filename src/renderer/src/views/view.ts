/** What the app shell needs of a view. */
export interface View {
  readonly id: 'compare' | 'live' | 'runs' | 'history';
  readonly title: string;
  readonly root: HTMLElement;
  /** Shown: start what only runs while visible. */
  show(): void;
  hide(): void;
  /** A key press while this view is shown; true if it was used. */
  key(e: KeyboardEvent): boolean;
}
