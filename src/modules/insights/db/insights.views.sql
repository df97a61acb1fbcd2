-- What other modules read of the predictions (segments' `prediction` condition, journeys): one row per customer and
-- model. churn: score 1 − P(alive), label the risk band; clv: score the CLV in yuan; purchases: expected purchases in
-- the run's horizon; next_purchase_days: days until one more purchase is expected (no row when none is within 10 years);
-- churn_model: the supervised churn model's probability of no order in its horizon (insights.churn_scores).
create or replace view insights.prediction_facts as
select p.customer_id, 'churn'::text as model, 1 - p.p_alive as score, p.churn_risk as label from insights.customer_predictions p
union all
select p.customer_id, 'clv', p.clv_fen / 100.0, null from insights.customer_predictions p where p.clv_fen is not null
union all
select p.customer_id, 'purchases', p.expected_purchases, null from insights.customer_predictions p
union all
select p.customer_id, 'next_purchase_days', p.expected_days_to_next, null from insights.customer_predictions p where p.expected_days_to_next is not null
union all
select s.customer_id, 'churn_model', s.probability, null from insights.churn_scores s;
