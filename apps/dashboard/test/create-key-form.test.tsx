import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api/api-error";
import type { CreateKeyBody } from "../src/api/types";
import { CreateKeyForm } from "../src/pages/keys/create-key-form";
import { INITIAL_KEY_FORM, keyFormBody, validateKeyForm } from "../src/pages/keys/key-form";

const NOW = new Date("2025-01-01T12:00:00.000Z");

function setup(mode: "live" | "test" = "live") {
  const onSubmit = vi.fn<(body: CreateKeyBody) => Promise<void>>().mockResolvedValue(undefined);
  const onCancel = vi.fn();
  render(<CreateKeyForm mode={mode} onSubmit={onSubmit} onCancel={onCancel} now={() => NOW} />);
  return { onSubmit, onCancel, user: userEvent.setup() };
}

describe("CreateKeyForm", () => {
  it("refuses an empty name and says so next to the field", async () => {
    const { onSubmit, user } = setup();
    await user.type(screen.getByLabelText("Name"), "   ");
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(onSubmit).not.toHaveBeenCalled();
    const name = screen.getByLabelText("Name");
    expect(name.getAttribute("aria-invalid")).toBe("true");
    const errorId = name.getAttribute("aria-describedby") ?? "";
    expect(document.getElementById(errorId)?.textContent).toMatch(/Enter a name/);
    expect(document.activeElement).toBe(name);
  });

  it("refuses a secret key without permissions", async () => {
    const { onSubmit, user } = setup();
    await user.type(screen.getByLabelText("Name"), "Backend");
    await user.click(screen.getByRole("radio", { name: "Secret" }));
    await user.click(screen.getByRole("checkbox", { name: "admin" }));
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByText("Choose at least one permission for a secret key.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole("checkbox", { name: "read:experiences" }));
  });

  it("sends a secret key with the chosen permissions, admin by default, in the current mode", async () => {
    const { onSubmit, user } = setup("test");
    await user.type(screen.getByLabelText("Name"), "  Backend  ");
    expect((screen.getByRole("checkbox", { name: "admin" }) as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByRole("checkbox", { name: "read:analytics" }));
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(onSubmit).toHaveBeenCalledWith({
      name: "Backend",
      type: "secret",
      mode: "test",
      permissions: ["admin", "read:analytics"],
    });
  });

  it("sends no permissions for a publishable key and hides the checkboxes", async () => {
    const { onSubmit, user } = setup();
    await user.type(screen.getByLabelText("Name"), "Storefront");
    await user.click(screen.getByRole("radio", { name: "Publishable" }));
    expect(screen.queryByRole("checkbox", { name: "admin" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(onSubmit).toHaveBeenCalledTimes(1);
    const body = onSubmit.mock.calls[0]?.[0];
    expect(body).toEqual({ name: "Storefront", type: "publishable", mode: "live" });
    expect(body).not.toHaveProperty("permissions");
  });

  it("turns the expiration into an ISO date counted from now", async () => {
    const { onSubmit, user } = setup();
    await user.type(screen.getByLabelText("Name"), "Temporary");
    await user.selectOptions(screen.getByLabelText("Expiration"), "30 days");
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(onSubmit.mock.calls[0]?.[0].expiresAt).toBe("2025-01-31T12:00:00.000Z");
  });

  it("shows the server's refusal and lets the member try again", async () => {
    const { onSubmit, user } = setup();
    onSubmit.mockRejectedValueOnce(new ApiError({ kind: "http", status: 403, body: { error: "Permission denied" } }));
    await user.type(screen.getByLabelText("Name"), "Backend");
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Your role does not allow this. Ask an owner or admin.",
    );
    expect((screen.getByRole("button", { name: "Create key" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("cancels without submitting", async () => {
    const { onSubmit, onCancel, user } = setup();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onCancel).toHaveBeenCalled();
    expect(onSubmit).not.toHaveBeenCalled();
  });
});

describe("key form rules", () => {
  it("limits names to 100 characters", () => {
    expect(validateKeyForm({ ...INITIAL_KEY_FORM, name: "x".repeat(100) })).toEqual({});
    expect(validateKeyForm({ ...INITIAL_KEY_FORM, name: "x".repeat(101) }).name).toBeDefined();
  });

  it("omits expiresAt for keys that never expire and counts a year as 365 days", () => {
    const values = { ...INITIAL_KEY_FORM, name: "Key" };
    expect(keyFormBody(values, "live", NOW)).not.toHaveProperty("expiresAt");
    expect(keyFormBody({ ...values, expiration: "1y" }, "live", NOW).expiresAt).toBe("2026-01-01T12:00:00.000Z");
    expect(keyFormBody({ ...values, expiration: "7d" }, "live", NOW).expiresAt).toBe("2025-01-08T12:00:00.000Z");
  });
});
