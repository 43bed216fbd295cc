"""Generate the Acme Marketplace example data.

Run ``python catalog/data/generate.py`` from anywhere. Files are written next to this script.
The output is deterministic: a fixed seed, fixed row order, pinned parquet writer options and
no writer metadata that depends on the clock or the pandas version, so running it twice gives
byte-identical files.

Everything is simulated from one event log (sessions, checkout attempts, refunds and
chargebacks) and every published table is an aggregate of that log, so the numbers in the
different sources agree with each other and with the labels.

featurecat never runs this script; it only reads the files it writes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 20250101
OUT = Path(__file__).resolve().parent

N_USERS = 200
N_MERCHANTS = 40
FIRST_USER_ID = 1001
FIRST_MERCHANT_ID = 5001

# Simulation starts early so 90- and 180-day windows are full on 2025-01-01.
SIM_START = pd.Timestamp("2024-07-01", tz="UTC")
PUBLISH_START = pd.Timestamp("2025-01-01", tz="UTC")
PUBLISH_END = pd.Timestamp("2025-07-01", tz="UTC")  # exclusive
DAYS = pd.date_range(SIM_START, PUBLISH_END - pd.Timedelta(days=1), freq="D")
N_DAYS = len(DAYS)

COUNTRIES = ["US", "GB", "DE", "FR", "NL", "ES", "IT", "PL", "SE", "CA"]
COUNTRY_WEIGHTS = [0.30, 0.14, 0.13, 0.10, 0.07, 0.07, 0.06, 0.05, 0.04, 0.04]
CHANNELS = ["organic", "paid_search", "social", "referral", "partner"]
CHANNEL_WEIGHTS = [0.38, 0.24, 0.18, 0.12, 0.08]
PAYMENT_METHODS = ["card", "paypal", "apple_pay", "bank_transfer", "klarna"]
PAYMENT_WEIGHTS = [0.45, 0.22, 0.15, 0.08, 0.10]
CATEGORIES = {
    # category: (median order value in USD, high-risk category)
    "electronics": (180.0, True),
    "gift_cards": (60.0, True),
    "luxury": (420.0, True),
    "fashion": (55.0, False),
    "home_garden": (70.0, False),
    "books": (22.0, False),
    "toys": (35.0, False),
    "beauty": (30.0, False),
    "sports": (65.0, False),
    "grocery": (40.0, False),
}
CATEGORY_NAMES = list(CATEGORIES)

TS = pa.timestamp("us", tz="UTC")


# --------------------------------------------------------------------------- helpers


def write_parquet(df: pd.DataFrame, schema: pa.Schema, relpath: str) -> None:
    """Write with pinned options and without pandas metadata (it embeds the pandas version)."""
    table = pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)
    table = table.replace_schema_metadata(None)
    path = OUT / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=9,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
        row_group_size=1_000_000,
    )


def iso(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def age_on(birth: pd.Timestamp, when: pd.Timestamp) -> int:
    years = when.year - birth.year
    if (when.month, when.day) < (birth.month, birth.day):
        years -= 1
    return years


def mondays(hour: int) -> list[pd.Timestamp]:
    first = pd.Timestamp("2025-01-06", tz="UTC") + pd.Timedelta(hours=hour)
    return [first + pd.Timedelta(weeks=w) for w in range(26)]  # through 2025-06-30


def random_seconds(rng: np.random.Generator, n: int, lo: int = 6 * 3600) -> np.ndarray:
    """Seconds into a day, skewed to waking hours."""
    return rng.integers(lo, 86_400, size=n)


# --------------------------------------------------------------------------- population


def make_users(rng: np.random.Generator) -> pd.DataFrame:
    n = N_USERS
    ids = np.arange(FIRST_USER_ID, FIRST_USER_ID + n)
    early = rng.random(n) < 0.75
    early_start = pd.Timestamp("2023-01-01", tz="UTC").value // 1000
    early_end = pd.Timestamp("2024-12-31", tz="UTC").value // 1000
    late_start = pd.Timestamp("2025-01-01", tz="UTC").value // 1000
    late_end = pd.Timestamp("2025-06-15", tz="UTC").value // 1000
    signup_us = np.where(
        early,
        rng.integers(early_start, early_end, size=n),
        rng.integers(late_start, late_end, size=n),
    )
    signup_us = signup_us // 1_000_000 * 1_000_000  # whole seconds
    age_2025 = np.clip(18 + rng.gamma(2.2, 8.0, size=n), 18, 79).astype(int)
    birth_offset = rng.integers(0, 365, size=n)
    births = [
        pd.Timestamp(year=2025 - int(a) - 1, month=1, day=1, tz="UTC") + pd.Timedelta(days=int(o))
        for a, o in zip(age_2025, birth_offset, strict=True)
    ]
    # Birthdate: 10% never give it, 6% add it later (null in earlier snapshots).
    r = rng.random(n)
    birth_known_from = []
    for i in range(n):
        if r[i] < 0.10:
            birth_known_from.append(pd.NaT)
        elif r[i] < 0.16:
            month = int(rng.integers(2, 7))
            birth_known_from.append(pd.Timestamp(year=2025, month=month, day=1, tz="UTC"))
        else:
            birth_known_from.append(pd.Timestamp("1970-01-01", tz="UTC"))
    country = rng.choice(COUNTRIES, size=n, p=COUNTRY_WEIGHTS)
    # 4% relocate during the half-year.
    moves = rng.random(n) < 0.04
    new_country = rng.choice(COUNTRIES, size=n, p=COUNTRY_WEIGHTS)
    move_month = rng.integers(2, 7, size=n)
    channel = rng.choice(CHANNELS, size=n, p=CHANNEL_WEIGHTS)
    signup = pd.to_datetime(signup_us, unit="us", utc=True)
    verifies = rng.random(n) < 0.72
    verify_lag = pd.to_timedelta(np.round(rng.exponential(20.0, size=n) * 86_400), unit="s")
    verified_at = pd.Series(signup + verify_lag).where(verifies, pd.NaT)
    fraudster = rng.random(n) < 0.05
    engagement = rng.beta(2.0, 3.5, size=n)
    churns = rng.random(n) < 0.35
    churn_day = rng.integers(0, N_DAYS, size=n)
    saved_card = rng.random(n) < 0.6
    saved_card_lag = pd.to_timedelta(np.round(rng.exponential(45.0, size=n) * 86_400), unit="s")
    saved_card_at = pd.Series(signup + saved_card_lag).where(saved_card, pd.NaT).to_numpy()
    pref_method = rng.choice(PAYMENT_METHODS, size=n, p=PAYMENT_WEIGHTS)
    return pd.DataFrame(
        {
            "user_id": ids,
            "signup_at": signup,
            "birth": births,
            "birth_known_from": pd.Series(birth_known_from, dtype="datetime64[ns, UTC]"),
            "country": country,
            "moves": moves,
            "new_country": new_country,
            "move_month": move_month,
            "channel": channel,
            "verified_at": verified_at.to_numpy(),
            "fraudster": fraudster,
            "engagement": engagement,
            "churns": churns,
            "churn_day": churn_day,
            "saved_card_at": saved_card_at,
            "pref_method": pref_method,
        }
    )


def make_merchants(rng: np.random.Generator) -> pd.DataFrame:
    n = N_MERCHANTS
    ids = np.arange(FIRST_MERCHANT_ID, FIRST_MERCHANT_ID + n)
    category = rng.choice(
        CATEGORY_NAMES, size=n, p=[0.12, 0.05, 0.05, 0.18, 0.12, 0.10, 0.10, 0.10, 0.10, 0.08]
    )
    # Most merchants are established; 6 onboard during 2025.
    onboarded = np.full(n, SIM_START.value // 1000 - 400 * 86_400_000_000, dtype=np.int64)
    late = rng.choice(n, size=6, replace=False)
    onboarded[late] = rng.integers(
        pd.Timestamp("2025-01-15", tz="UTC").value // 1000,
        pd.Timestamp("2025-05-15", tz="UTC").value // 1000,
        size=6,
    )
    onboarded = onboarded // 1_000_000 * 1_000_000
    popularity = rng.gamma(1.5, 1.0, size=n)
    base_rating = np.clip(rng.normal(4.3, 0.35, size=n), 2.8, 4.95)
    listings = rng.integers(20, 1500, size=n)
    sloppy = rng.random(n) < 0.08  # weak fraud controls: more chargebacks
    return pd.DataFrame(
        {
            "merchant_id": ids,
            "category": category,
            "onboarded_at": pd.to_datetime(onboarded, unit="us", utc=True),
            "popularity": popularity,
            "base_rating": base_rating,
            "listings": listings,
            "sloppy": sloppy,
        }
    )


# --------------------------------------------------------------------------- event log


def simulate_sessions(rng: np.random.Generator, users: pd.DataFrame):
    """Per user and day: sessions, minutes and the time of the last login."""
    # Work in naive UTC datetime64 here; tz-aware pandas values become object arrays in numpy.
    day_start = DAYS.tz_convert(None).to_numpy()
    signup = users["signup_at"].dt.tz_convert(None).to_numpy()
    alive = day_start[None, :] >= signup[:, None].astype("datetime64[D]")
    p_active = np.repeat(users["engagement"].to_numpy()[:, None], N_DAYS, axis=1)
    weekday = DAYS.day_of_week.to_numpy()
    p_active = p_active * np.where(weekday >= 5, 1.15, 1.0)[None, :]
    after_churn = np.arange(N_DAYS)[None, :] >= users["churn_day"].to_numpy()[:, None]
    p_active = np.where(after_churn & users["churns"].to_numpy()[:, None], 0.015, p_active)
    active = alive & (rng.random((N_USERS, N_DAYS)) < np.clip(p_active, 0, 0.95))
    lam = rng.gamma(2.0, 0.6, size=N_USERS)[:, None]
    sessions = np.where(active, 1 + rng.poisson(np.repeat(lam, N_DAYS, axis=1)), 0)
    minutes = np.where(
        active, sessions * rng.lognormal(np.log(7.5), 0.5, size=(N_USERS, N_DAYS)), 0.0
    )
    last_login_s = random_seconds(rng, N_USERS * N_DAYS).reshape(N_USERS, N_DAYS)
    # A user who signed up that day cannot log in before signing up.
    signup_day = signup.astype("datetime64[D]")
    signup_s = ((signup - signup_day.astype(signup.dtype)) // np.timedelta64(1, "s")).astype(int)
    same_day = day_start[None, :].astype("datetime64[D]") == signup_day[:, None]
    after_signup = np.maximum(last_login_s, signup_s[:, None] + 60)
    last_login_s = np.where(same_day, after_signup, last_login_s)
    last_login_s = np.minimum(last_login_s, 86_399)
    return active, sessions, minutes, last_login_s


def simulate_orders(
    rng: np.random.Generator, users: pd.DataFrame, merchants: pd.DataFrame, active: np.ndarray
) -> pd.DataFrame:
    """Checkout attempts on active days, with outcome, refunds and chargebacks."""
    high_risk_cat = merchants["category"].map(lambda c: CATEGORIES[c][1]).to_numpy()
    rows = []
    for u in range(N_USERS):
        user = users.iloc[u]
        q = 0.25 if user["fraudster"] else 0.10
        # Each user shops mostly at a handful of favourite merchants.
        weights = merchants["popularity"].to_numpy().copy()
        favourites = rng.choice(N_MERCHANTS, size=int(rng.integers(2, 6)), replace=False)
        weights[favourites] *= 12.0
        if user["fraudster"]:
            weights[high_risk_cat] *= 6.0
        for d in np.flatnonzero(active[u]):
            n_attempts = int(rng.random() < q) + int(rng.random() < q * 0.15)
            for _ in range(n_attempts):
                at = DAYS[d] + pd.Timedelta(seconds=int(rng.integers(7 * 3600, 86_400)))
                if at < user["signup_at"]:
                    at = user["signup_at"] + pd.Timedelta(minutes=5)
                open_now = (merchants["onboarded_at"] <= at).to_numpy()
                w = np.where(open_now, weights, 0.0)
                m = int(rng.choice(N_MERCHANTS, p=w / w.sum()))
                merchant = merchants.iloc[m]
                median = CATEGORIES[merchant["category"]][0]
                amount = round(float(median * rng.lognormal(0.0, 0.55)), 2)
                method = (
                    user["pref_method"]
                    if rng.random() < 0.8
                    else str(rng.choice(PAYMENT_METHODS, p=PAYMENT_WEIGHTS))
                )
                cancelled = rng.random() < 0.08
                refund_at = pd.NaT
                chargeback_at = pd.NaT
                if not cancelled:
                    if rng.random() < 0.05:
                        refund_at = at + pd.Timedelta(days=int(rng.integers(2, 21)), hours=3)
                    p_cb = 0.008
                    if user["fraudster"]:
                        p_cb += 0.20
                    if merchant["sloppy"]:
                        p_cb += 0.04
                    if high_risk_cat[m]:
                        p_cb *= 1.5
                    if pd.isna(refund_at) and rng.random() < p_cb:
                        chargeback_at = at + pd.Timedelta(days=int(rng.integers(10, 60)), hours=5)
                rows.append(
                    {
                        "user_id": int(user["user_id"]),
                        "merchant_id": int(merchant["merchant_id"]),
                        "ordered_at": at,
                        "amount": amount,
                        "payment_method": method,
                        "cancelled": cancelled,
                        "refund_at": refund_at,
                        "chargeback_at": chargeback_at,
                    }
                )
    orders = pd.DataFrame(rows)
    for col in ("refund_at", "chargeback_at"):
        orders[col] = pd.to_datetime(orders[col], utc=True)
    return orders.sort_values(["ordered_at", "user_id"], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- published tables


def build_user_profile(users: pd.DataFrame) -> pd.DataFrame:
    month_starts = [pd.Timestamp(year=2025, month=m, day=1, tz="UTC") for m in range(1, 7)]
    rows = []
    for user in users.itertuples(index=False):
        times = [t for t in month_starts if t >= user.signup_at]
        if user.signup_at >= PUBLISH_START:
            times = [user.signup_at, *times]
        for t in times:
            known = not pd.isna(user.birth_known_from) and user.birth_known_from <= t
            moved = user.moves and t >= pd.Timestamp(
                year=2025, month=int(user.move_month), day=1, tz="UTC"
            )
            rows.append(
                {
                    "user_id": user.user_id,
                    "event_timestamp": t,
                    "user_age": age_on(user.birth, t) if known else None,
                    "country": user.new_country if moved else user.country,
                    "user_is_verified": bool(
                        not pd.isna(user.verified_at) and user.verified_at <= t
                    ),
                    "user_signup_channel": user.channel,
                }
            )
    df = pd.DataFrame(rows)
    df["user_age"] = df["user_age"].astype("Int64")
    return df.sort_values(["event_timestamp", "user_id"], kind="mergesort")


def build_user_activity(
    users: pd.DataFrame,
    active: np.ndarray,
    sessions: np.ndarray,
    minutes: np.ndarray,
    last_login_s: np.ndarray,
    orders: pd.DataFrame,
) -> pd.DataFrame:
    def rolling(x: np.ndarray, window: int) -> np.ndarray:
        c = np.cumsum(x, axis=1)
        out = c.copy()
        out[:, window:] = c[:, window:] - c[:, :-window]
        return out

    uidx = {uid: i for i, uid in enumerate(users["user_id"])}
    attempts = np.zeros((N_USERS, N_DAYS), dtype=np.int64)
    day_idx = ((orders["ordered_at"] - SIM_START) // pd.Timedelta(days=1)).to_numpy()
    for uid, d in zip(orders["user_id"], day_idx, strict=True):
        attempts[uidx[uid], d] += 1

    s7 = rolling(sessions, 7)
    s30 = rolling(sessions, 30)
    m7 = rolling(minutes, 7)
    a30 = rolling(attempts, 30)
    # A row is published the morning after each active day; the last one lands on 2025-06-30.
    publish = DAYS + pd.Timedelta(days=1, hours=1)
    keep_day = (publish >= PUBLISH_START) & (publish < PUBLISH_END)
    u_i, d_i = np.nonzero(active & np.asarray(keep_day)[None, :])
    return pd.DataFrame(
        {
            "user_id": users["user_id"].to_numpy()[u_i],
            "event_timestamp": publish[d_i],
            "user_sessions_7d": s7[u_i, d_i].astype(np.int32),
            "user_sessions_30d": s30[u_i, d_i].astype(np.int64),
            "user_avg_session_minutes_7d": np.round(m7[u_i, d_i] / s7[u_i, d_i], 1).astype(
                np.float32
            ),
            "last_login_at": DAYS[d_i] + pd.to_timedelta(last_login_s[u_i, d_i], unit="s"),
            "user_order_count_30d": a30[u_i, d_i].astype(np.int64),
        }
    ).sort_values(["event_timestamp", "user_id"], kind="mergesort")


def build_user_payments(users: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    done = orders[~orders["cancelled"]]
    rows = []
    for t in mondays(hour=2):
        w30 = done[(done["ordered_at"] >= t - pd.Timedelta(days=30)) & (done["ordered_at"] < t)]
        w90 = done[(done["ordered_at"] >= t - pd.Timedelta(days=90)) & (done["ordered_at"] < t)]
        w180 = done[(done["ordered_at"] >= t - pd.Timedelta(days=180)) & (done["ordered_at"] < t)]
        refunded_by_t = w30["refund_at"] < t
        net30 = (w30["amount"].where(~refunded_by_t, 0.0)).groupby(w30["user_id"]).sum()
        n30 = w30.groupby("user_id").size()
        aov90 = w90.groupby("user_id")["amount"].mean()
        n90 = w90.groupby("user_id").size()
        ref90 = (w90["refund_at"] < t).groupby(w90["user_id"]).sum()
        cb = orders[
            (orders["chargeback_at"] >= t - pd.Timedelta(days=180)) & (orders["chargeback_at"] < t)
        ]
        cb180 = cb.groupby("user_id").size()
        method = (
            w180.groupby(["user_id", "payment_method"])
            .size()
            .reset_index(name="n")
            .sort_values(["user_id", "n", "payment_method"], ascending=[True, False, True])
            .drop_duplicates("user_id")
            .set_index("user_id")["payment_method"]
        )
        for user in users.itertuples(index=False):
            if user.signup_at >= t:
                continue
            uid = user.user_id
            n90u = int(n90.get(uid, 0))
            rows.append(
                {
                    "user_id": uid,
                    "event_timestamp": t,
                    "orders_30d": int(n30.get(uid, 0)),
                    "gmv_30d": round(float(net30.get(uid, 0.0)), 2),
                    "avg_order_value_90d": round(float(aov90[uid]), 2) if n90u else None,
                    "refund_rate_90d": round(int(ref90.get(uid, 0)) / n90u, 4) if n90u else None,
                    "chargebacks_180d": int(cb180.get(uid, 0)),
                    "has_saved_card": bool(
                        not pd.isna(user.saved_card_at) and user.saved_card_at <= t
                    ),
                    "payment_method": method.get(uid, None),
                }
            )
    df = pd.DataFrame(rows)
    df["chargebacks_180d"] = df["chargebacks_180d"].astype(np.int32)
    df["refund_rate_90d"] = df["refund_rate_90d"].astype(np.float32)
    return df


def build_merchant_stats(rng: np.random.Generator, merchants: pd.DataFrame, orders: pd.DataFrame):
    done = orders[~orders["cancelled"]]
    rows = []
    rating_drift = np.zeros(N_MERCHANTS)
    listings = merchants["listings"].to_numpy().astype(float)
    for t in mondays(hour=3):
        rating_drift += rng.normal(0.0, 0.03, size=N_MERCHANTS)
        listings *= np.exp(rng.normal(0.01, 0.05, size=N_MERCHANTS))
        w90 = done[(done["ordered_at"] >= t - pd.Timedelta(days=90)) & (done["ordered_at"] < t)]
        n90 = w90.groupby("merchant_id").size()
        cb = orders[
            (orders["chargeback_at"] >= t - pd.Timedelta(days=90)) & (orders["chargeback_at"] < t)
        ]
        cb90 = cb.groupby("merchant_id").size()
        n_all = done[done["ordered_at"] < t].groupby("merchant_id").size()
        for i, m in enumerate(merchants.itertuples(index=False)):
            if m.onboarded_at >= t:
                continue
            mid = m.merchant_id
            n = int(n90.get(mid, 0))
            rate = round(int(cb90.get(mid, 0)) / n, 4) if n else None
            # Ratings are only shown once a merchant has 5 completed orders.
            rated = int(n_all.get(mid, 0)) >= 5
            rating = round(float(np.clip(m.base_rating + rating_drift[i], 1.0, 5.0)), 2)
            high_risk = CATEGORIES[m.category][1] or (rate is not None and n >= 20 and rate > 0.01)
            rows.append(
                {
                    "merchant_id": mid,
                    "event_timestamp": iso(t),
                    "merchant_category": m.category,
                    "merchant_rating": f"{rating:.2f}" if rated else "",
                    "merchant_chargeback_rate_90d": "" if rate is None else f"{rate:.4f}",
                    "merchant_active_listings": int(np.round(listings[i])),
                    "merchant_is_high_risk": "true" if high_risk else "false",
                }
            )
    return rows


def build_user_merchant_orders(orders: pd.DataFrame) -> pd.DataFrame:
    done = orders[~orders["cancelled"]].copy()
    done = done.sort_values(["user_id", "merchant_id", "ordered_at"], kind="mergesort")
    counts, sums = [], []
    for _, g in done.groupby(["user_id", "merchant_id"], sort=True):
        times = g["ordered_at"].to_numpy()
        amounts = g["amount"].to_numpy()
        for j in range(len(g)):
            in_window = times[: j + 1] > times[j] - np.timedelta64(90, "D")
            counts.append(int(in_window.sum()))
            sums.append(round(float(amounts[: j + 1][in_window].sum()), 2))
    done["user_merchant_orders_90d"] = np.array(counts, dtype=np.int64)
    done["user_merchant_gmv_90d"] = np.array(sums, dtype=np.float64)
    done["event_timestamp"] = done["ordered_at"]
    published = (done["event_timestamp"] >= PUBLISH_START) & (done["event_timestamp"] < PUBLISH_END)
    done = done[published]
    return done.sort_values(["event_timestamp", "user_id", "merchant_id"], kind="mergesort")


def build_churn_labels(
    rng: np.random.Generator, users: pd.DataFrame, active: np.ndarray
) -> pd.DataFrame:
    """Label = no active day in the 30 days after the prediction time."""
    lo = pd.Timestamp("2025-02-01", tz="UTC").value // 1000
    hi = pd.Timestamp("2025-06-01", tz="UTC").value // 1000
    rows = []
    seen = set()
    while len(rows) < 300:
        u = int(rng.integers(0, N_USERS))
        t = pd.Timestamp(int(rng.integers(lo, hi)) // 1_000_000 * 1_000_000, unit="us", tz="UTC")
        user = users.iloc[u]
        if t < user["signup_at"] + pd.Timedelta(days=7) or (u, t) in seen:
            continue
        seen.add((u, t))
        d = (t.floor("D") - SIM_START).days
        churned = not active[u, d + 1 : d + 31].any()
        rows.append({"user_id": int(user["user_id"]), "event_timestamp": t, "churned": churned})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- main


def main() -> None:
    rng = np.random.default_rng(SEED)
    users = make_users(rng)
    merchants = make_merchants(rng)
    active, sessions, minutes, last_login_s = simulate_sessions(rng, users)
    orders = simulate_orders(rng, users, merchants, active)

    write_parquet(
        build_user_profile(users),
        pa.schema(
            [
                ("user_id", pa.int64()),
                ("event_timestamp", TS),
                ("user_age", pa.int64()),
                ("country", pa.string()),
                ("user_is_verified", pa.bool_()),
                ("user_signup_channel", pa.string()),
            ]
        ),
        "user_profile.parquet",
    )
    write_parquet(
        build_user_activity(users, active, sessions, minutes, last_login_s, orders),
        pa.schema(
            [
                ("user_id", pa.int64()),
                ("event_timestamp", TS),
                ("user_sessions_7d", pa.int32()),
                ("user_sessions_30d", pa.int64()),
                ("user_avg_session_minutes_7d", pa.float32()),
                ("last_login_at", TS),
                ("user_order_count_30d", pa.int64()),
            ]
        ),
        "user_activity_daily.parquet",
    )
    write_parquet(
        build_user_payments(users, orders),
        pa.schema(
            [
                ("user_id", pa.int64()),
                ("event_timestamp", TS),
                ("orders_30d", pa.int64()),
                ("gmv_30d", pa.float64()),
                ("avg_order_value_90d", pa.float64()),
                ("refund_rate_90d", pa.float32()),
                ("chargebacks_180d", pa.int32()),
                ("has_saved_card", pa.bool_()),
                ("payment_method", pa.string()),
            ]
        ),
        "user_payments.parquet",
    )
    write_parquet(
        build_user_merchant_orders(orders),
        pa.schema(
            [
                ("user_id", pa.int64()),
                ("merchant_id", pa.int64()),
                ("event_timestamp", TS),
                ("user_merchant_orders_90d", pa.int64()),
                ("user_merchant_gmv_90d", pa.float64()),
            ]
        ),
        "user_merchant_orders.parquet",
    )
    merchant_rows = build_merchant_stats(rng, merchants, orders)
    with (OUT / "merchant_stats.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(merchant_rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(merchant_rows)
    write_parquet(
        build_churn_labels(rng, users, active),
        pa.schema([("user_id", pa.int64()), ("event_timestamp", TS), ("churned", pa.bool_())]),
        "labels/churn_labels.parquet",
    )


if __name__ == "__main__":
    main()
