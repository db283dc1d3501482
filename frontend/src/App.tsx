import { type FormEvent } from "react";
import { NavLink, Navigate, Route, Routes, useLocation, useNavigate } from "react-router-dom";

import { Failure, Loading } from "./components/Status";
import { AddressPage } from "./pages/AddressPage";
import { CasePage } from "./pages/CasePage";
import { ClusterPage } from "./pages/ClusterPage";
import { Search } from "./pages/Search";
import { TransactionPage } from "./pages/TransactionPage";
import { Watchlists } from "./pages/Watchlists";
import { Cases } from "./pages/Cases";
import { Dashboard } from "./pages/Dashboard";
import { Explorer } from "./pages/Explorer";
import { Models } from "./pages/Models";
import { Inbox, InboxLink } from "./pages/Inbox";
import { Invitation } from "./pages/Invitation";
import { Team } from "./pages/Team";
import { SignIn } from "./pages/SignIn";
import { SessionProvider, useSession } from "./session";

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const { user, checked, error, signOut } = useSession();
  const location = useLocation();
  if (!checked) return <Loading what="your session" />;
  if (error) return <Failure error={error} retry={() => window.location.reload()} />;
  if (!user) {
    return (
      <Routes>
        <Route path="/sign-in" element={<SignIn />} />
        <Route path="/invitation/:uid/:token" element={<Invitation />} />
        <Route path="*" element={<Navigate to="/sign-in" replace state={{ from: location.pathname }} />} />
      </Routes>
    );
  }
  return (
    <>
      <header className="top">
        <strong className="brand">ChainSleuth</strong>
        <nav aria-label="main">
          <NavLink to="/">Queue</NavLink>
          <NavLink to="/explore">Explorer</NavLink>
          <NavLink to="/cases">Cases</NavLink>
          <NavLink to="/watchlists">Watchlists</NavLink>
          <NavLink to="/models">Models</NavLink>
          <InboxLink />
          <NavLink to="/team">Team</NavLink>
        </nav>
        <SearchBox />
        <span className="who">
          {user.username}
          {user.team ? ` · ${user.team}` : ""}
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        <Routes>
          <Route path="/" element={<Dashboard />} />
          <Route path="/explore" element={<Explorer />} />
          <Route path="/addresses/:address" element={<AddressPage />} />
          <Route path="/clusters/:clusterId" element={<ClusterPage />} />
          <Route path="/transactions/:txid" element={<TransactionPage />} />
          <Route path="/search" element={<Search />} />
          <Route path="/watchlists" element={<Watchlists />} />
          <Route path="/models" element={<Models />} />
          <Route path="/cases" element={<Cases />} />
          <Route path="/cases/:caseId" element={<CasePage />} />
          <Route path="/inbox" element={<Inbox />} />
          <Route path="/team" element={<Team />} />
          <Route path="/invitation/*" element={<Navigate to="/" replace />} />
          <Route path="/sign-in" element={<Navigate to="/" replace />} />
          <Route path="*" element={<Failure error="No such page." />} />
        </Routes>
      </main>
    </>
  );
}

function SearchBox() {
  const navigate = useNavigate();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const q = String(new FormData(event.currentTarget).get("q")).trim();
    if (q) navigate(`/search?q=${encodeURIComponent(q)}`);
  }
  return (
    <form role="search" onSubmit={submit}>
      <input name="q" type="search" aria-label="search addresses, transactions, tags and cases" placeholder="Search" />
    </form>
  );
}
