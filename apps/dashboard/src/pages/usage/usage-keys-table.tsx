import type { OrganizationUsageReport } from "../../api/types";
import { formatNumber, formatPercent } from "../../components/format";
import { Timestamp } from "../../components/timestamp";

export type KeyUsageRow = Pick<
  OrganizationUsageReport["keys"][number],
  "keyId" | "name" | "type" | "requests" | "errorRate" | "lastUsedAt"
>;

interface UsageKeysTableProps {
  rows: KeyUsageRow[];
  selected: string;
  onSelect: (keyId: string) => void;
}

export function UsageKeysTable({ rows, selected, onSelect }: UsageKeysTableProps) {
  return (
    <div className="table-scroll">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col" className="numeric">
              Requests
            </th>
            <th scope="col" className="numeric">
              Error rate
            </th>
            <th scope="col">Last used</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.keyId} className={row.keyId === selected ? "row-selected" : undefined}>
              <th scope="row">
                <button
                  type="button"
                  className="link-button"
                  aria-pressed={row.keyId === selected}
                  onClick={() => onSelect(row.keyId)}
                >
                  {row.name ?? `Deleted key ${row.keyId}`}
                </button>
              </th>
              <td>{row.type === "publishable" ? "Public" : row.type === "secret" ? "Secret" : "—"}</td>
              <td className="numeric">{formatNumber(row.requests)}</td>
              <td className="numeric">{formatPercent(row.errorRate)}</td>
              <td>
                <Timestamp iso={row.lastUsedAt} fallback="Never" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
