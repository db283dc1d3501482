/** Previous and next for a server-side page, with where it is: "26–50 of 213". */

import { pageRange } from "./queue";

interface Props {
  label: string;
  page: number;
  pageSize: number;
  count: number;
  hasNext: boolean;
  onPage: (page: number) => void;
}

export function Pager({ label, page, pageSize, count, hasNext, onPage }: Props) {
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span role="status" aria-label={`${label} shown`}>
        {pageRange(page, pageSize, count)}
      </span>
      <button type="button" disabled={!hasNext} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}
