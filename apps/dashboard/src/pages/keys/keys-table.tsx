import type { ApiKey } from "../../api/types";
import { ActionsMenu, type MenuAction } from "../../components/actions-menu";
import { Badge } from "../../components/badge";
import { Timestamp } from "../../components/timestamp";
import type { KeyAction } from "./key-action-dialog";

interface KeysTableProps {
  keys: ApiKey[];
  /** Without it the actions column is left out: the member may only read. */
  onAction?: (action: KeyAction, key: ApiKey) => void;
}

const STATUS = {
  active: { label: "Active", tone: "success" },
  inactive: { label: "Inactive", tone: "neutral" },
  expired: { label: "Expired", tone: "danger" },
} as const;

function actionsFor(key: ApiKey, onAction: NonNullable<KeysTableProps["onAction"]>): MenuAction[] {
  const actions: MenuAction[] = [{ label: "Regenerate", onSelect: () => onAction("regenerate", key) }];
  if (key.status === "active") actions.push({ label: "Deactivate", onSelect: () => onAction("deactivate", key) });
  if (key.status === "inactive") actions.push({ label: "Activate", onSelect: () => onAction("activate", key) });
  actions.push({ label: "Delete", onSelect: () => onAction("delete", key), danger: true });
  return actions;
}

export function KeysTable({ keys, onAction }: KeysTableProps) {
  return (
    <div className="table-scroll">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
            <th scope="col">Key</th>
            <th scope="col">Permissions</th>
            {onAction && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id}>
              <th scope="row" className="cell-name">
                {key.name}
              </th>
              <td>
                <span className="cell-inline">
                  {key.type === "publishable" ? "Public" : "Secret"}
                  {key.mode === "test" && <Badge tone="test">Test</Badge>}
                </span>
              </td>
              <td>
                <Timestamp iso={key.createdAt} />
              </td>
              <td>
                <Timestamp iso={key.lastUsedAt} fallback="Never" />
              </td>
              <td>
                <Badge tone={STATUS[key.status].tone}>{STATUS[key.status].label}</Badge>
              </td>
              <td>
                <code className="mono">{key.displayHint}</code>
              </td>
              <td>
                {key.type === "secret" ? (
                  <span className="mono small">{key.permissions.join(", ")}</span>
                ) : (
                  <span className="muted">Consumer API</span>
                )}
              </td>
              {onAction && (
                <td className="cell-actions">
                  <ActionsMenu label={`Actions for ${key.name}`} actions={actionsFor(key, onAction)} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
