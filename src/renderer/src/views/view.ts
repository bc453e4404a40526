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

/** What History lists alone when another view sends a person there: the answers the label screen leaves out, or one labeler's. */
export type HistoryFilter = { screenedOut: true } | { labeler: string };
