import type { Logger } from 'pino';
import type { Config } from '../platform/config.js';
import { migrateDatabase, type Database } from '../platform/db/database.js';
import { attachReplica } from '../platform/db/replica.js';
import { EventBus } from '../platform/events/event-bus.js';
import { scheduleOutboxPrune } from '../platform/events/outbox-prune.js';
import { systemClock } from '../platform/clock.js';
import { Jobs } from '../platform/jobs/jobs.js';
import { AccessService } from '../modules/access/index.js';
import { CatalogService } from '../modules/catalog/index.js';
import { CustomersService, IDENTIFIER_ATTACHED } from '../modules/customers/index.js';
import { OrdersService, ORDERS_BATCH_IMPORTED } from '../modules/orders/index.js';
import { ChurnModelService, CyclesService, InsightsService, PredictionsService, scheduleChurnRefit, scheduleClvRefit, scheduleCyclesNightly } from '../modules/insights/index.js';
import { ActivityService, ATTRIBUTE_EVENTS_SUBSCRIBER, attributeEventsWhenIdentifierAttached, scheduleRetentionNightly } from '../modules/activity/index.js';
import { ImportsService } from '../modules/ingest/index.js';
import { BasketService } from '../modules/basket/index.js';
import {
  TiersService,
  GROWTH_BACK_FROM_RETURNS_SUBSCRIBER,
  GROWTH_FROM_ACTIVITY_SUBSCRIBER,
  growthAndTiersWhenMembersInteract,
  growthBackWhenReturnsRecorded,
  scheduleTiersDaily,
  ProgramService,
  LedgerService,
  RedemptionService,
  ACCRUE_SUBSCRIBER,
  REVERSE_POINTS_SUBSCRIBER,
  accrueWhenOrdersPlacedOrImported,
  reversePointsWhenReturnsRecorded,
  schedulePointsNightly,
  ReferralsService,
  BadgesService,
  REWARD_REFERRALS_SUBSCRIBER,
  rewardReferralsWhenOrdersPlaced,
  AWARD_BADGES_SUBSCRIBER,
  awardBadgesWhenActivityOrOrdersRecorded,
  scheduleSettleReferralsNightly,
} from '../modules/loyalty/index.js';
import {
  SegmentsService,
  MEMBERSHIP_EVENTS,
  UPDATE_SEGMENTS_SUBSCRIBER,
  updateSegmentsWhenCustomersChange,
  scheduleSegmentsRefresh,
  SEGMENTS_REFRESH_RFM_JOB,
  scheduleRfmNightly,
} from '../modules/segments/index.js';
import {
  CouponsService,
  PromotionsService,
  NEW_MEMBER_COUPON_SUBSCRIBER,
  NEW_MEMBER_EVENTS,
  issueNewMemberCouponsWhenCustomersJoin,
  scheduleCouponsNightly,
} from '../modules/promotions/index.js';
import { CheckoutService, CHECKOUT_RETURNS_SUBSCRIBER, checkoutReturnsWhenReturnsRecorded, scheduleCheckoutExpiry } from '../modules/promotions/index.js';
import { PromoResultsService } from '../modules/promotions/index.js';
import { ChannelsService, Dispatcher, GuideTasksService, MessagingService, Preparer, ReceiptsService, VariableRegistry, createAdapters, personalisationProviders } from '../modules/messaging/index.js';
import { LogService, OptOutService, PolicyService, TemplatesService } from '../modules/messaging/index.js';
import { CANCEL_PHONE_TASKS_SUBSCRIBER, cancelPhoneTasksWhenConsentsChange } from '../modules/messaging/index.js';
import { JourneysService, JOURNEYS_ENTRY_SUBSCRIBER, JOURNEYS_GOAL_SUBSCRIBER, scheduleJourneys } from '../modules/journeys/index.js';
import { BlueprintsService } from '../modules/journeys/blueprints.js';
import { SurveysService, SURVEYS_INVITE_SUBSCRIBER, inviteWhenOrdersPlaced, inviteWhenTicketsResolved, scheduleSurveys } from '../modules/surveys/index.js';
import { CompensationService, ReviewService } from '../modules/service/index.js';
import { SlaService, scheduleSlaScan } from '../modules/service/index.js';
import { QueuesService, ReplyTemplatesService, TaxonomyService, TicketsService } from '../modules/service/index.js';
import { CrisesService, ListeningService, LISTENING_SURVEYS_SUBSCRIBER, LISTENING_TICKETS_SUBSCRIBER, scheduleListening } from '../modules/listening/index.js';
import { SmtpAdapter } from '../modules/messaging/index.js';
import { loyaltyExportParticipant } from '../modules/loyalty/privacy-export.js';
import { serviceExportParticipant } from '../modules/service/privacy-export.js';
import { listeningExportParticipant } from '../modules/listening/privacy-export.js';
import { messagingExportParticipant } from '../modules/messaging/privacy-export.js';
import { surveysExportParticipant } from '../modules/surveys/privacy-export.js';
import { promotionsExportParticipant } from '../modules/promotions/privacy-export.js';
import { StaffService, ASSIGN_GUIDES_SUBSCRIBER, assignGuidesWhenOrdersPlaced, staffExportParticipant, scheduleStaffWeekly } from '../modules/staff/index.js';
import { ordersErasureParticipant } from '../modules/orders/privacy-erase.js';
import { activityErasureParticipant } from '../modules/activity/privacy-erase.js';
import { loyaltyErasureParticipant } from '../modules/loyalty/privacy-erase.js';
import { promotionsErasureParticipant } from '../modules/promotions/privacy-erase.js';
import { messagingErasureParticipant } from '../modules/messaging/privacy-erase.js';
import { surveysErasureParticipant } from '../modules/surveys/privacy-erase.js';
import { serviceErasureParticipant } from '../modules/service/privacy-erase.js';
import { listeningErasureParticipant } from '../modules/listening/privacy-erase.js';
import { staffErasureParticipant } from '../modules/staff/privacy-erase.js';
import { insightsErasureParticipant } from '../modules/insights/privacy-erase.js';
import { journeysErasureParticipant } from '../modules/journeys/privacy-erase.js';
import { segmentsErasureParticipant } from '../modules/segments/privacy-erase.js';

/**
 * The composition root: the only code that knows every module. Server, worker, CLI and tests
 * build their services here, so they all run the same wiring.
 */
export interface Kemai {
  config: Config;
  database: Database;
  log: Logger;
  events: EventBus;
  jobs: Jobs | undefined;
  access: AccessService;
  catalog: CatalogService;
  customers: CustomersService;
  orders: OrdersService;
  activity: ActivityService;
  insights: InsightsService;
  /** CLV and churn predictions: model fits from the orders, per-customer predictions, the churn-risk list. */
  predictions: PredictionsService;
  /** The supervised churn model: training runs with their out-of-time evaluation, per-customer scores and explanations. */
  churn: ChurnModelService;
  /** Repurchase cycles per customer × category and the rhythm changes they raise (insights.rhythm.changed). */
  cycles: CyclesService;
  /** Files uploaded in the console and imported in this process. */
  imports: ImportsService;
  /** Loyalty: growth value, tier sets, tiers, birthday benefits. */
  tiers: TiersService;
  /** Loyalty: programme versions, the points ledger, rewards and holds. */
  program: ProgramService;
  ledger: LedgerService;
  redemption: RedemptionService;
  /** Loyalty: referral codes, referrals and their rewards; badges and challenges. */
  referrals: ReferralsService;
  badges: BadgesService;
  /** Segments: RFM and the value matrix, rule and static segments, membership, clusters. */
  segments: SegmentsService;
  /** Basket analysis over the orders: association rules, frequently bought together, cross-sell, bundles. */
  basket: BasketService;
  /** Promotions: definitions, status, limits' counters, and the active set checkout pricing reads (cached in memory). */
  promotions: PromotionsService;
  /** Coupons: templates, code pools, issuing (person, segment with holdout, new members, compensation), void, expiry, checkout's reserve/commit/release. */
  coupons: CouponsService;
  /** Measurement: promotions' and coupon issue runs' results against their holdouts. */
  promoResults: PromoResultsService;
  /** Checkout: pricing a cart, reservations counting limits, commit (places the order), cancel and expiry, returns. */
  checkout: CheckoutService;
  /** Messaging: planning (plan), the dispatcher and its adapters, channel settings, receipts, guide tasks. */
  messaging: MessagingService;
  /** Messaging: templates and preview, the contact policy, opt-out (unsubscribe links, SMS stop keywords), the message log. */
  messageTemplates: TemplatesService;
  messagePolicy: PolicyService;
  optOut: OptOutService;
  messageLog: LogService;
  /** Journeys: definitions and versions, entry from triggers, the step runner, the goal and the holdout's uplift. */
  journeys: JourneysService;
  /** The ready-made journeys of the seeds: list, install as drafts with their templates. */
  blueprints: BlueprintsService;
  /** Surveys: questionnaires, invitations (after a ticket, a purchase, periodic, manual) with signed links, responses, NPS / CSAT results, verbatims. */
  surveys: SurveysService;
  /** Service: compensation policies by severity, proposals on tickets, approval by role, execution exactly once (coupons, points, refunds). */
  compensation: CompensationService;
  /** Listening: mentions, sentiment, keyword heat, spike rules and alerts, staff notices, feeds. */
  listening: ListeningService;
  /** Crises: opened from alerts or by hand, statement and update deadlines, affected customers, compensation, the post-mortem. */
  crises: CrisesService;
  /** Service: the root-cause review report (by root cause, category, SKU, store, month). */
  serviceReview: ReviewService;
  /** Service: calendars and SLA policies, tickets' clocks (refresh, the SlaPort), warnings, breaches and escalation (scan, every minute). */
  sla: SlaService;
  /** Service: tickets (intake from the API, staff, email and the web form; the inbox; replies, notes, status, milestones). */
  tickets: TicketsService;
  /** Service: queues (routing, assignment), categories and root causes, empathy reply templates. */
  serviceQueues: QueuesService;
  serviceTaxonomy: TaxonomyService;
  replyTemplates: ReplyTemplatesService;
  /** Staff: customers assigned to guides (first purchase, by hand, backfill), their history, a guide's book. */
  staff: StaffService;
  close(): Promise<void>;
}

export interface CreateOptions {
  config: Config;
  database: Database;
  log: Logger;
  migrate?: boolean;
  /** Start the durable job queue (pg-boss). Off for short CLI commands and most tests. */
  jobs?: boolean;
  /**
   * Loyalty's event subscribers and jobs (points, growth value, tiers, referrals, badges). Default on;
   * off only to measure ingest without them (bench/loyalty.bench.ts). Its services and API stay.
   */
  loyalty?: boolean;
}

export async function createKemai(opts: CreateOptions): Promise<Kemai> {
  const { config, database, log } = opts;
  if (opts.migrate !== false) await migrateDatabase(database);
  const db = database.db;
  // Reports, dashboards and trends read `analytics`: the read replica while it is fresh, else the primary (docs/deploy/read-replicas.md).
  if (config.replicaUrl && database.kind === 'postgres' && !database.replica) attachReplica(database, { url: config.replicaUrl, maxLagSeconds: config.replicaMaxLagSeconds, log });
  else database.replica?.useLog(log);
  const analytics = database.analytics;
  // PGlite runs on the server's own thread: smaller claims keep a drain's transactions short, so requests get
  // their turn between them (a 2,000-order accrual transaction blocks the thread for seconds).
  const events = new EventBus(db, log, database.kind === 'postgres' ? 2000 : 200);
  const access = new AccessService(db, config.sessionTtlHours, { maxFailures: config.loginMaxFailures, lockMinutes: config.loginLockMinutes });
  const catalog = new CatalogService(db);
  const customers = new CustomersService(db, {
    defaultRegion: config.defaultRegion,
    strongIdentifiers: config.strongIdentifiers,
    timeZone: config.timeZone,
  });
  const orders = new OrdersService(db, { customers, catalog, timeZone: config.timeZone, defaultRegion: config.defaultRegion });
  const activity = new ActivityService(db, { customers, timeZone: config.timeZone, defaultRegion: config.defaultRegion, retentionMonths: config.retentionEventsMonths });
  const insights = new InsightsService(analytics, { timeZone: config.timeZone });
  const predictions = new PredictionsService(db, { timeZone: config.timeZone, customers });
  const churn = new ChurnModelService(db, { timeZone: config.timeZone });
  const cycles = new CyclesService(db, { timeZone: config.timeZone, customers });
  const imports = new ImportsService(db, { catalog, customers, orders, activity }, {
    importDir: config.importDir,
    limitBytes: config.importLimitBytes,
    timeZone: config.timeZone,
    log,
  });
  events.subscribe(IDENTIFIER_ATTACHED, ATTRIBUTE_EVENTS_SUBSCRIBER, attributeEventsWhenIdentifierAttached(activity));
  // Staff: a customer's first order assigns them to a guide; merges keep the survivor's guide.
  const staff = new StaffService(db, { timeZone: config.timeZone });
  for (const name of ['orders.order.placed', ORDERS_BATCH_IMPORTED]) events.subscribeBatch(name, ASSIGN_GUIDES_SUBSCRIBER, assignGuidesWhenOrdersPlaced(staff));
  customers.registerMergeParticipant(staff.mergeParticipant());
  const onLoyalty: EventBus['subscribeBatch'] = (name, subscriber, handler) => {
    if (opts.loyalty !== false) events.subscribeBatch(name, subscriber, handler);
  };
  const tiers = new TiersService(db, { customers, timeZone: config.timeZone });
  customers.registerMergeParticipant(tiers.mergeParticipant());
  onLoyalty('orders.return.recorded', GROWTH_BACK_FROM_RETURNS_SUBSCRIBER, growthBackWhenReturnsRecorded(tiers));
  onLoyalty('activity.events.recorded', GROWTH_FROM_ACTIVITY_SUBSCRIBER, growthAndTiersWhenMembersInteract(tiers));
  const program = new ProgramService(db);
  const ledger = new LedgerService(db, { customers, program, timeZone: config.timeZone });
  tiers.useLedger(ledger);
  customers.registerMergeParticipant(ledger.mergeParticipant());
  customers.registerExportParticipant(loyaltyExportParticipant);
  customers.addTimelineSource(ledger.timelineSource());
  const redemption = new RedemptionService(db, { ledger, program });
  for (const name of ['orders.order.placed', 'orders.order.updated', ORDERS_BATCH_IMPORTED])
    onLoyalty(name, ACCRUE_SUBSCRIBER, accrueWhenOrdersPlacedOrImported(ledger, tiers));
  onLoyalty('orders.return.recorded', REVERSE_POINTS_SUBSCRIBER, reversePointsWhenReturnsRecorded(ledger));
  const referrals = new ReferralsService(db, { customers, ledger, program }, {
    timeZone: config.timeZone,
    defaultRegion: config.defaultRegion,
    referralUrl: config.referralUrl,
    cap: config.referralCap,
    minPaidFen: config.referralMinPaidFen,
  });
  const badges = new BadgesService(db, { customers, ledger }, { timeZone: config.timeZone });
  const rewardReferrals = rewardReferralsWhenOrdersPlaced(referrals);
  const awardBadges = awardBadgesWhenActivityOrOrdersRecorded(badges);
  for (const name of ['orders.order.placed', 'orders.order.updated']) {
    onLoyalty(name, REWARD_REFERRALS_SUBSCRIBER, rewardReferrals.placed);
    onLoyalty(name, AWARD_BADGES_SUBSCRIBER, awardBadges.orderPlaced);
  }
  onLoyalty(ORDERS_BATCH_IMPORTED, REWARD_REFERRALS_SUBSCRIBER, rewardReferrals.imported);
  onLoyalty(ORDERS_BATCH_IMPORTED, AWARD_BADGES_SUBSCRIBER, awardBadges.ordersImported);
  onLoyalty('activity.events.recorded', AWARD_BADGES_SUBSCRIBER, awardBadges.activity);
  onLoyalty(IDENTIFIER_ATTACHED, AWARD_BADGES_SUBSCRIBER, awardBadges.identifierAttached);
  const segments = new SegmentsService(db, { timeZone: config.timeZone, defaultRegion: config.defaultRegion, customers });
  const basket = new BasketService(db, { timeZone: config.timeZone });
  const promotions = new PromotionsService(db, { timeZone: config.timeZone });
  const coupons = new CouponsService(db, { timeZone: config.timeZone });
  customers.registerExportParticipant(promotionsExportParticipant);
  const promoResults = new PromoResultsService(analytics, { promotions });
  const newMemberCoupons = issueNewMemberCouponsWhenCustomersJoin(coupons);
  for (const name of NEW_MEMBER_EVENTS) events.subscribeBatch(name, NEW_MEMBER_COUPON_SUBSCRIBER, newMemberCoupons);
  const checkout = new CheckoutService(db, { promotions, coupons, orders, redemption, timeZone: config.timeZone });
  events.subscribeBatch('orders.return.recorded', CHECKOUT_RETURNS_SUBSCRIBER, checkoutReturnsWhenReturnsRecorded(checkout));
  const updateSegments = updateSegmentsWhenCustomersChange(segments.membership);
  // A new CLV run changes every customer's predictions: the segments whose rules read them follow.
  predictions.onFitted(() => segments.membership.refreshAll({ uses: 'predictions' }));
  churn.onTrained(() => segments.membership.refreshAll({ uses: 'predictions' }));
  for (const name of Object.keys(MEMBERSHIP_EVENTS)) events.subscribeBatch(name, UPDATE_SEGMENTS_SUBSCRIBER, updateSegments);
  const messaging = new MessagingService(db);
  customers.registerExportParticipant(messagingExportParticipant);
  const messageAdapters = createAdapters({ clock: systemClock, log });
  const messageChannels = new ChannelsService(db, messageAdapters);
  // Guide tasks: a customer who opts out of phone contact loses their open callbacks and birthday calls.
  const guideTasks = new GuideTasksService(db);
  events.subscribeBatch('customers.profiles.changed', CANCEL_PHONE_TASKS_SUBSCRIBER, cancelPhoneTasksWhenConsentsChange(guideTasks));
  messaging.useDelivery({
    dispatcher: new Dispatcher(db, { channels: messageChannels, adapters: messageAdapters, log }, { postgres: database.kind === 'postgres' }),
    channels: messageChannels,
    guideTasks,
    receipts: new ReceiptsService(db, messageChannels),
  });
  // The send-time checks, with the personalisation variables other modules provide (nearby stores, recommendations…).
  const messageVariables = new VariableRegistry();
  for (const provider of personalisationProviders({ basket, referrals, tiers })) messageVariables.register(provider);
  const messagePreparer = new Preparer({ timeZone: config.timeZone, brand: config.brandName, publicUrl: config.publicUrl, secret: config.messagingSecret, variables: messageVariables });
  const messageTemplates = new TemplatesService(db, { preparer: messagePreparer, variables: messageVariables });
  const messagePolicy = new PolicyService(db);
  const optOut = new OptOutService(db, { customers, secret: config.messagingSecret, defaultRegion: config.defaultRegion });
  const messageLog = new LogService(db, { timeZone: config.timeZone });
  customers.addTimelineSource(messageLog.timelineSource());
  messaging.dispatcher.usePreparer(
    messagePreparer,
  );
  const journeys = new JourneysService(db, { timeZone: config.timeZone, planner: () => messaging, coupons, ledger });
  // Imported history (orders.batch.imported) enters no journey: only live orders and events do.
  events.subscribeBatch('orders.order.placed', JOURNEYS_ENTRY_SUBSCRIBER, (e, tx) => journeys.entry.ordersPlaced(e as never, tx).then(() => undefined));
  events.subscribeBatch('orders.order.placed', JOURNEYS_GOAL_SUBSCRIBER, (e, tx) => journeys.runner.ordersPlaced(e as never, tx).then(() => undefined));
  events.subscribeBatch('loyalty.tier.changed', JOURNEYS_ENTRY_SUBSCRIBER, (e, tx) => journeys.entry.tierChanged(e as never, tx).then(() => undefined));
  events.subscribeBatch('segments.customer.entered', JOURNEYS_ENTRY_SUBSCRIBER, (e, tx) => journeys.entry.segmentChanged('segment_entered', e as never, tx).then(() => undefined));
  events.subscribeBatch('segments.customer.exited', JOURNEYS_ENTRY_SUBSCRIBER, (e, tx) => journeys.entry.segmentChanged('segment_exited', e as never, tx).then(() => undefined));
  events.subscribeBatch('insights.rhythm.changed', JOURNEYS_ENTRY_SUBSCRIBER, (e, tx) => journeys.entry.rhythmChanged(e as never, tx).then(() => undefined));
  events.subscribeBatch('service.ticket.resolved', JOURNEYS_ENTRY_SUBSCRIBER, (e, tx) => journeys.entry.ticketResolved(e as never, tx).then(() => undefined));
  events.subscribeBatch('customers.profiles.changed', JOURNEYS_ENTRY_SUBSCRIBER, (e, tx) => journeys.entry.profilesChanged(e as never, tx).then(() => undefined));
  // Surveys: a resolved ticket and a live order (never imported history) invite to the active surveys of their trigger.
  const surveys = new SurveysService(db, { timeZone: config.timeZone, publicUrl: config.publicUrl, secret: config.messagingSecret, planner: () => messaging, templates: messageTemplates });
  events.subscribeBatch('service.ticket.resolved', SURVEYS_INVITE_SUBSCRIBER, inviteWhenTicketsResolved(surveys));
  events.subscribeBatch('orders.order.placed', SURVEYS_INVITE_SUBSCRIBER, inviteWhenOrdersPlaced(surveys));
  customers.registerExportParticipant(surveysExportParticipant);

  const sla = new SlaService(db, { timeZone: config.timeZone });
  const serviceQueues = new QueuesService(db);
  const serviceTaxonomy = new TaxonomyService(db);
  const replyTemplates = new ReplyTemplatesService(db, { brand: config.brandName });
  const tickets = new TicketsService(db, {
    customers,
    queues: serviceQueues,
    taxonomy: serviceTaxonomy,
    replyTemplates,
    planner: () => messaging,
    templates: messageTemplates,
    sla,
    defaultRegion: config.defaultRegion,
    linkSecret: config.messagingSecret,
    publicUrl: config.publicUrl,
  });
  customers.registerMergeParticipant(tickets.mergeParticipant());
  customers.registerExportParticipant(serviceExportParticipant);
  // Listening: the sentiment model scores survey verbatims; complaints and verbatims become mentions of our own channels.
  const listening = new ListeningService({ db, customers, channels: messageChannels, smtp: (messageAdapters.get('smtp') as SmtpAdapter | undefined) ?? new SmtpAdapter(), secret: config.messagingSecret, log });
  customers.registerMergeParticipant(listening.mentions.mergeParticipant());
  customers.registerExportParticipant(listeningExportParticipant);
  customers.registerExportParticipant(staffExportParticipant);
  // Erasure: every module holding personal data about a customer scrubs it in the erasure's one transaction.
  for (const p of [ordersErasureParticipant, activityErasureParticipant, loyaltyErasureParticipant, promotionsErasureParticipant, messagingErasureParticipant,
    surveysErasureParticipant, serviceErasureParticipant, listeningErasureParticipant, staffErasureParticipant, insightsErasureParticipant,
    journeysErasureParticipant, segmentsErasureParticipant]) customers.registerErasureParticipant(p);
  const crises = new CrisesService({ db, notifications: listening.notifications, coupons, ledger, timeZone: config.timeZone });
  listening.useDeadlines(crises);
  // A rule that opens crises gives them its owner, or else the first administrator.
  listening.alerts.useCrisisOpener(async (tx, alert, rule) => {
    const ownerId = rule.ownerId ?? (await access.listStaff()).find((s) => s.role === 'admin' && !s.disabled)?.id;
    return (await crises.openFromAlert(alert.id, ownerId && !rule.ownerId ? { ownerId } : {}, 'system:listening', tx)).id;
  });
  listening.alerts.onCrisisError = (err, alert) => log.error({ err, alert: alert.id }, 'a spike alert could not open its crisis');
  surveys.useScorer({ score: async (texts) => listening.models.current().scoreMany(texts).map((r) => ({ score: r.score, label: r.label })) });
  events.subscribeBatch('service.ticket.created', LISTENING_TICKETS_SUBSCRIBER, (e, tx) => listening.ticketsCreated(e as never, tx));
  events.subscribeBatch('surveys.response.submitted', LISTENING_SURVEYS_SUBSCRIBER, (e, tx) => listening.surveysAnswered(e as never, tx));

  let jobs: Jobs | undefined;
  if (opts.jobs) {
    jobs = new Jobs(database, log, config.databaseUrl, { expireCapSeconds: config.jobExpireCapSeconds, maintenanceSeconds: config.jobMaintenanceSeconds });
    await jobs.start();
    await scheduleOutboxPrune(jobs, db, log, { timeZone: config.timeZone });
    if (opts.loyalty !== false) await scheduleTiersDaily(jobs, tiers, log, { timeZone: config.timeZone });
    if (opts.loyalty !== false) await schedulePointsNightly(jobs, db, ledger, redemption, log, { timeZone: config.timeZone });
    if (opts.loyalty !== false) await scheduleSettleReferralsNightly(jobs, referrals, log, { timeZone: config.timeZone });
    await scheduleSegmentsRefresh(jobs, segments.membership, log, { timeZone: config.timeZone });
    await scheduleRfmNightly(jobs, segments, log, { timeZone: config.timeZone });
    await scheduleClvRefit(jobs, predictions, log, { timeZone: config.timeZone });
    await scheduleChurnRefit(jobs, churn, log, { timeZone: config.timeZone });
    await scheduleCyclesNightly(jobs, cycles, log, { timeZone: config.timeZone });
    await scheduleCouponsNightly(jobs, coupons, log, { timeZone: config.timeZone });
    await scheduleCheckoutExpiry(jobs, checkout, log, { timeZone: config.timeZone });
    await scheduleRetentionNightly(jobs, activity, log, { timeZone: config.timeZone });
    const queue = jobs;
    segments.useQueue((runId) => queue.send(SEGMENTS_REFRESH_RFM_JOB, { runId }));
    // The message dispatcher runs where the jobs run (the server): due messages are sent as they come due.
    messaging.dispatcher.start();
    // Due steps run in-process right after an event enters someone (about 0.3 s from order to message in
    // bench:journeys, against about 34 s at p50 with only the one-minute job, which stays as the backstop).
    journeys.startRunner((err) => log.error({ err }, 'journey runner failed'));
    await scheduleJourneys(jobs, journeys, log, { timeZone: config.timeZone });
    // The ready-made surveys and their invitation template (once), then due invitations every 5 minutes, periodic ones hourly.
    await surveys.ensureDefaults().catch((err: unknown) => log.error({ err }, 'survey defaults not installed'));
    await scheduleSurveys(jobs, surveys, log, { timeZone: config.timeZone });
    // The seeds' calendar and standard SLA policy (once), then the SLA alerts every minute.
    await sla.ensureDefaults().catch((err: unknown) => log.error({ err }, 'SLA defaults not installed'));
    await scheduleSlaScan(jobs, sla, log, { timeZone: config.timeZone });
    // The default spike rules (once), then the spike scan and crisis deadlines every 5 minutes, feeds every minute.
    await listening.alerts.ensureDefaults('system').catch((err: unknown) => log.error({ err }, 'listening rules not installed'));
    await scheduleListening(jobs, listening, log, { timeZone: config.timeZone });
    await scheduleStaffWeekly(jobs, staff.kpis, log, { timeZone: config.timeZone });
  }

  return {
    config,
    database,
    log,
    events,
    jobs,
    access,
    catalog,
    customers,
    orders,
    activity,
    insights,
    predictions,
    churn,
    cycles,
    imports,
    tiers,
    program,
    ledger,
    redemption,
    referrals,
    badges,
    segments,
    basket,
    promotions,
    coupons,
    promoResults,
    checkout,
    messaging,
    messageTemplates,
    messagePolicy,
    optOut,
    messageLog,
    journeys,
    blueprints: new BlueprintsService(db, { journeys, coupons, templates: messageTemplates }),
    surveys,
    compensation: new CompensationService(db, { coupons, ledger, orders, program }),
    serviceReview: new ReviewService(analytics, { timeZone: config.timeZone }),
    sla,
    tickets,
    serviceQueues,
    serviceTaxonomy,
    replyTemplates,
    staff,
    listening,
    crises,
    async close() {
      await journeys.stopRunner();
      await messaging.dispatcher.stop();
      await events.stop();
      await jobs?.stop();
      await database.close();
    },
  };
}
