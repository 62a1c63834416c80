import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { Link } from "../src/router/link";
import { navigate, useRouter } from "../src/router/use-router";

function Where() {
  const { path, query } = useRouter();
  return (
    <>
      <p data-testid="path">{path}</p>
      <p data-testid="code">{query.get("code") ?? ""}</p>
      <Link to="/dashboard/usage">Usage</Link>
    </>
  );
}

const path = () => screen.getByTestId("path").textContent;

describe("router", () => {
  beforeEach(() => window.history.replaceState(null, "", "/dashboard/keys"));

  it("reads the current path and query", () => {
    window.history.replaceState(null, "", "/dashboard/accept-invitation?code=abc");
    render(<Where />);
    expect(path()).toBe("/dashboard/accept-invitation");
    expect(screen.getByTestId("code").textContent).toBe("abc");
  });

  it("drops a trailing slash so /dashboard/ and /dashboard match alike", () => {
    window.history.replaceState(null, "", "/dashboard/");
    render(<Where />);
    expect(path()).toBe("/dashboard");
  });

  it("re-renders after navigate, pushing or replacing history", () => {
    render(<Where />);
    const length = window.history.length;
    act(() => navigate("/dashboard/alerts"));
    expect(path()).toBe("/dashboard/alerts");
    expect(window.history.length).toBe(length + 1);
    act(() => navigate("/dashboard/team", { replace: true }));
    expect(path()).toBe("/dashboard/team");
    expect(window.history.length).toBe(length + 1);
  });

  it("follows the browser's back button", () => {
    render(<Where />);
    act(() => navigate("/dashboard/alerts"));
    act(() => {
      window.history.replaceState(null, "", "/dashboard/keys");
      window.dispatchEvent(new PopStateEvent("popstate"));
    });
    expect(path()).toBe("/dashboard/keys");
  });

  it("navigates in-app on a link click and marks the current page", async () => {
    render(<Where />);
    const link = screen.getByRole("link", { name: "Usage" });
    expect(link.getAttribute("href")).toBe("/dashboard/usage");
    expect(link.getAttribute("aria-current")).toBeNull();
    await userEvent.click(link);
    expect(path()).toBe("/dashboard/usage");
    expect(window.location.pathname).toBe("/dashboard/usage");
    expect(screen.getByRole("link", { name: "Usage" }).getAttribute("aria-current")).toBe("page");
  });
});
