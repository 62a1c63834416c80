import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { navigate, useRouter } from "./use-router";

interface LinkProps extends AnchorHTMLAttributes<HTMLAnchorElement> {
  to: string;
}

/** A real link (open in new tab still works) that navigates in-app on a plain click. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const { path } = useRouter();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} aria-current={path === to ? "page" : undefined} onClick={handleClick} {...rest}>
      {children}
    </a>
  );
}
