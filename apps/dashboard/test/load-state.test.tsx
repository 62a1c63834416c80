import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { LoadState } from "../src/components/load-state";
import type { Resource } from "../src/components/use-resource";

const view = (resource: Resource<string[]>) =>
  render(
    <LoadState resource={resource} what="API keys" isEmpty={(data) => data.length === 0} empty={<p>No keys yet.</p>}>
      {(data) => (
        <ul>
          {data.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      )}
    </LoadState>,
  );

describe("LoadState", () => {
  it("announces loading", () => {
    view({ status: "loading", reload: () => {} });
    expect(screen.getByRole("status").textContent).toBe("Loading API keys…");
  });

  it("shows the error in words with a Try again button that reloads", async () => {
    const reload = vi.fn();
    view({ status: "error", error: "Could not reach the Fanfare server. Check your connection.", reload });
    expect(screen.getByRole("alert").textContent).toContain("Could not reach the Fanfare server.");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it("tells empty data apart from data", () => {
    const { unmount } = view({ status: "ready", data: [], reload: () => {} });
    expect(screen.getByText("No keys yet.")).toBeTruthy();
    unmount();
    view({ status: "ready", data: ["Storefront"], reload: () => {} });
    expect(screen.getByRole("listitem").textContent).toBe("Storefront");
    expect(screen.queryByText("No keys yet.")).toBeNull();
  });
});
