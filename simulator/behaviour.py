"""What the simulator assumes about customers and agents: behaviour only, never outcomes.

Every figure the comparison shows comes from what the real services decide (threading, agent
context, reply channel, journey suppression, caps, offer acceptance). These parameters only say
what people do: how often they need help, which channels they like, when they switch, how long
agents take, when a customer answers a survey and what makes them rate lower.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CONVERSATION_KINDS = ("email", "sms", "whatsapp", "webchat")
REQUIRED_KINDS = (*CONVERSATION_KINDS, "store")


@dataclass(frozen=True)
class Behaviour:
    needs_per_customer_month: float = 1.2
    identity_shares: dict = field(default_factory=lambda: {"phone": 0.8, "visitor": 0.5, "external": 0.6})
    linked_identities_share: float = 0.85
    channel_preference_alpha: float = 0.7
    followup_probability: float = 0.35
    switch_on_followup_probability: float = 0.35
    patience_hours_mean: float = 5.0
    chase_switch_probability: float = 0.6
    agent_delay_median_hours: float = 3.0
    agent_delay_sigma: float = 0.9
    customer_reply_hours_mean: float = 1.5
    followup_hours_mean: float = 10.0
    resolve_after_hours: float = 6.0
    survey_reply_probability: float = 0.4
    rating_noise_probability: float = 0.25
    slow_first_response_hours: float = 24.0
    carts_per_customer_month: float = 0.6
    purchase_after_cart_probability: float = 0.45
    purchase_delay_hours: tuple = (0.5, 5.0)
    store_purchase_share: float = 0.5
    order_value_median: float = 45.0
    order_value_sigma: float = 0.9
    order_currency: str = "EUR"
    redeem_offer_probability: float = 0.7
    product_views_per_customer_month: float = 0.5
    stop_after_needless_reminder_probability: float = 0.25

    def statements(self) -> list[str]:
        """The assumptions, one readable sentence each (shown in the output and the report)."""
        b = self
        shares = ", ".join(f"{k} {v:.0%}" for k, v in sorted(b.identity_shares.items()))
        return [
            f"Each customer has an e-mail address; other identities: {shares}.",
            f"{b.linked_identities_share:.0%} of customers are imported with all their identities linked; "
            "the others are known by each identity separately until they are linked.",
            f"Channel preferences: Dirichlet(alpha={b.channel_preference_alpha}) over the conversation channels "
            f"({', '.join(CONVERSATION_KINDS)}) the customer can use.",
            f"Needs: Poisson, {b.needs_per_customer_month} per customer per 30 days; the first message goes on a "
            "channel drawn from the customer's preferences.",
            f"Agents answer each ticket with a log-normal delay (median {b.agent_delay_median_hours} h, "
            f"sigma {b.agent_delay_sigma}); an agent who cannot see an earlier message of the same need in the "
            "ticket's context (as the policy decides) asks the customer to explain again, once per ticket.",
            f"A waiting customer chases after an exponential patience (mean {b.patience_hours_mean} h), on another "
            f"channel with probability {b.chase_switch_probability}; at most once per answer awaited.",
            f"Customers answer an agent's question on the channel it came on after an exponential delay "
            f"(mean {b.customer_reply_hours_mean} h).",
            f"After an answer the customer follows up with probability {b.followup_probability} (mean delay "
            f"{b.followup_hours_mean} h), switching channel with probability {b.switch_on_followup_probability}.",
            f"Agents resolve the need's tickets {b.resolve_after_hours} h after the last answer; a CSAT survey "
            f"follows and is answered with probability {b.survey_reply_probability}.",
            "Rating: 5, minus 1 per time the customer had to explain again (at most 2), minus 1 if the first "
            f"answer took over {b.slow_first_response_hours} h, minus 1 with probability "
            f"{b.rating_noise_probability}; never below 1.",
            f"Carts abandoned on the website: Poisson, {b.carts_per_customer_month} per customer per 30 days; "
            f"the customer buys with probability {b.purchase_after_cart_probability} after "
            f"{b.purchase_delay_hours[0]}-{b.purchase_delay_hours[1]} h, in store with probability "
            f"{b.store_purchase_share}, else online, presenting an offer code received with probability "
            f"{b.redeem_offer_probability}.",
            f"An order's amount is log-normal: median {b.order_value_median} {b.order_currency}, sigma "
            f"{b.order_value_sigma} (a heavy tail: a few large orders), drawn apart from the other choices "
            "so that adding it changed no other figure.",
            f"Products viewed on the website: Poisson, {b.product_views_per_customer_month} per customer per 30 days.",
            f"A customer who receives a marketing SMS after buying replies STOP with probability "
            f"{b.stop_after_needless_reminder_probability}.",
            "Journeys, caps, threading, reply channels and offer acceptance are the system's own decisions.",
        ]

    def as_dict(self) -> dict:
        return asdict(self)
