// Every page's one h1. It takes the focus when it appears (a new page, or
// a page whose data just loaded), so a screen reader announces the page
// and the keyboard starts from its top.

import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export const TITLE_ID = "page-title";

export function PageTitle(props: { children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <h1 id={TITLE_ID} tabIndex={-1} ref={heading}>
      {props.children}
    </h1>
  );
}
