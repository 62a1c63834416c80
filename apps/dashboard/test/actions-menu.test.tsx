import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ActionsMenu } from "../src/components/actions-menu";

function setup() {
  const chosen = vi.fn<(label: string) => void>();
  const actions = ["Regenerate", "Deactivate", "Delete"].map((label) => ({ label, onSelect: () => chosen(label) }));
  render(<ActionsMenu label="Actions for Storefront" actions={actions} />);
  return { chosen, user: userEvent.setup(), button: screen.getByRole("button", { name: "Actions for Storefront" }) };
}

describe("ActionsMenu", () => {
  it("opens on click with focus on the first item", async () => {
    const { user, button } = setup();
    expect(screen.queryByRole("menu")).toBeNull();
    await user.click(button);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getAllByRole("menuitem").map((item) => item.textContent)).toEqual([
      "Regenerate",
      "Deactivate",
      "Delete",
    ]);
    expect(document.activeElement?.textContent).toBe("Regenerate");
  });

  it("moves with the arrow keys, wraps around, and selects with Enter", async () => {
    const { chosen, user, button } = setup();
    button.focus();
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement?.textContent).toBe("Regenerate");
    await user.keyboard("{ArrowUp}");
    expect(document.activeElement?.textContent).toBe("Delete");
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(document.activeElement?.textContent).toBe("Deactivate");
    await user.keyboard("{Enter}");
    expect(chosen).toHaveBeenCalledWith("Deactivate");
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("closes with Escape and returns focus to the button", async () => {
    const { chosen, user, button } = setup();
    await user.click(button);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(chosen).not.toHaveBeenCalled();
  });
});
