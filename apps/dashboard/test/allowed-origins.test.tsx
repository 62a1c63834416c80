import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AllowedOrigins } from "../src/pages/settings/allowed-origins";

const DEFAULTS = ["http://localhost:*", "http://127.0.0.1:*"];

function setup(props: { origins: readonly string[]; isDefault?: boolean; restorable?: boolean }) {
  const onSave = vi.fn<(origins: string[]) => Promise<void>>().mockResolvedValue(undefined);
  const onRestoreDefault = vi.fn<() => Promise<void>>().mockResolvedValue(undefined);
  render(
    <AllowedOrigins
      mode="test"
      origins={props.origins}
      isDefault={props.isDefault ?? false}
      editable
      onSave={onSave}
      onRestoreDefault={props.restorable === false ? undefined : onRestoreDefault}
    />,
  );
  return { onSave, onRestoreDefault, user: userEvent.setup() };
}

describe("AllowedOrigins", () => {
  it("shows test mode's default and saves an added origin with it, replacing the default", async () => {
    const { onSave, user } = setup({ origins: DEFAULTS, isDefault: true });
    expect(screen.getByText(/The default: a developer's machine/)).toBeTruthy();
    expect(screen.getByText("http://localhost:*")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Restore default" })).toBeNull();
    await user.type(screen.getByLabelText("Add test origin"), "https://staging.shop.example");
    await user.click(screen.getByRole("button", { name: "Add" }));
    await user.click(screen.getByRole("button", { name: "Save test origins" }));
    expect(onSave).toHaveBeenCalledWith([...DEFAULTS, "https://staging.shop.example"]);
  });

  it("accepts any-port rules, and restores the default of a mode that has one", async () => {
    const { onSave, onRestoreDefault, user } = setup({ origins: ["https://staging.shop.example"] });
    await user.type(screen.getByLabelText("Add test origin"), "http://localhost:*");
    await user.click(screen.getByRole("button", { name: "Add" }));
    await user.click(screen.getByRole("button", { name: "Save test origins" }));
    expect(onSave).toHaveBeenCalledWith(["https://staging.shop.example", "http://localhost:*"]);
    await user.click(screen.getByRole("button", { name: "Restore default" }));
    expect(onRestoreDefault).toHaveBeenCalledOnce();
  });
});
