import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { ShownOnceDialog } from "../src/components/shown-once-dialog";

const KEY = "sk_test_51HxYzAbCdEfGhIjKlMnOpQrStUv";

/** Holds the secret the way a page does: in state, dropped on Done. */
function Host({ onDone }: { onDone?: () => void }) {
  const [secret, setSecret] = useState<string | null>(KEY);
  if (secret === null) return <p>Closed</p>;
  return (
    <ShownOnceDialog
      secret={secret}
      onDone={() => {
        setSecret(null);
        onDone?.();
      }}
    />
  );
}

describe("ShownOnceDialog", () => {
  it("shows the key once, with the warning, in a dialog named for it", () => {
    render(<Host />);
    const dialog = screen.getByRole("dialog", { name: "Your new API key" });
    expect(dialog).toBeTruthy();
    expect(screen.getByTestId("shown-once-key").textContent).toBe(KEY);
    expect(screen.getByText("This key will not be shown again. Store it somewhere safe now.")).toBeTruthy();
  });

  it("moves focus into the dialog", () => {
    render(<Host />);
    expect(screen.getByRole("dialog").contains(document.activeElement)).toBe(true);
  });

  it("copies the key to the clipboard and says so", async () => {
    const user = userEvent.setup();
    render(<Host />);
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(await navigator.clipboard.readText()).toBe(KEY);
    expect(screen.getByRole("button", { name: "Copied" })).toBeTruthy();
  });

  it("explains how to copy by hand when the clipboard refuses", async () => {
    const user = userEvent.setup();
    vi.spyOn(navigator.clipboard, "writeText").mockRejectedValueOnce(new Error("NotAllowedError"));
    render(<Host />);
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(screen.getByRole("status").textContent).toMatch(/select the text and copy it by hand/);
    expect(screen.queryByRole("button", { name: "Copied" })).toBeNull();
  });

  it("forgets the key on Done", async () => {
    const onDone = vi.fn();
    const user = userEvent.setup();
    render(<Host onDone={onDone} />);
    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("shown-once-key")).toBeNull();
    expect(document.body.textContent).not.toContain(KEY);
  });

  it("closes with Escape, which also forgets the key", async () => {
    const user = userEvent.setup();
    render(<Host />);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByText("Closed")).toBeTruthy();
  });
});
