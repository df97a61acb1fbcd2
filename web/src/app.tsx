import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import { can, useMe, type Me } from './auth/session';
import { Layout, visibleNav } from './components/layout';
import { ErrorState, Loading } from './components/states';
import { SignInPage } from './pages/sign-in.page';
import { ChangePasswordPage } from './pages/change-password.page';
import { OverviewPage } from './pages/overview.page';
import { CustomersPage } from './pages/customers.page';
import { Customer360Page } from './pages/customer-360.page';
import { DuplicatesPage } from './pages/duplicates.page';
import { OrdersPage } from './pages/orders.page';
import { ImportPage } from './pages/data/import.page';
import { StoresPage } from './pages/data/stores.page';
import { ProductsPage } from './pages/data/products.page';
import { GeneralSettingsPage } from './pages/settings/general.page';
import { StaffSettingsPage } from './pages/settings/staff.page';
import { ApiKeysSettingsPage } from './pages/settings/api-keys.page';
import { RolesSettingsPage } from './pages/settings/roles.page';
import { AuditSettingsPage } from './pages/settings/audit.page';
import { LoyaltyProgramPage } from './pages/loyalty/program.page';
import { LoyaltyTiersPage } from './pages/loyalty/tiers.page';
import { LoyaltyLiabilityPage } from './pages/loyalty/liability.page';
import { RfmPage } from './pages/segments/rfm.page';
import { SegmentDetailPage, SegmentsListPage } from './pages/segments/segments.page';
import { SegmentBuilderPage } from './pages/segments/builder.page';
import { ClustersPage } from './pages/segments/clusters.page';
import { ChurnPage } from './pages/insights/churn.page';
import { ForecastPage } from './pages/insights/forecast.page';
import { BasketPage } from './pages/insights/basket.page';
import { PromotionsPage } from './pages/promotions/promotions.page';
import { PromotionBuilderPage } from './pages/promotions/builder.page';
import { CouponsPage, CouponTemplateNewPage } from './pages/promotions/coupons.page';
import { CouponTemplatePage } from './pages/promotions/coupon-template.page';
import { CheckoutSimulatorPage } from './pages/promotions/simulator.page';
import { PromotionResultsPage } from './pages/promotions/results.page';
import { JourneysPage } from './pages/journeys/journeys.page';
import { JourneyBuilderPage } from './pages/journeys/builder.page';
import { JourneyStatsPage } from './pages/journeys/stats.page';
import { TemplateEditPage, TemplateNewPage, TemplatesPage } from './pages/messaging/templates.page';
import { MessageLogPage } from './pages/messaging/message-log.page';
import { GuideTasksPage } from './pages/messaging/guide-tasks.page';
import { ChannelsPage } from './pages/messaging/channels.page';
import { InboxPage } from './pages/service/inbox.page';
import { TicketPage } from './pages/service/ticket.page';
import { ReplyTemplatesPage } from './pages/service/templates.page';
import { ServiceSettingsPage } from './pages/service/settings.page';
import { ReviewPage } from './pages/service/review.page';
import { SurveysPage } from './pages/surveys/surveys.page';
import { SurveyBuilderPage } from './pages/surveys/builder.page';
import { SurveyResultsPage } from './pages/surveys/results.page';
import { PublicSurveyPage, publicSurveyToken } from './pages/surveys/public-survey.page';
import { ListeningOverviewPage } from './pages/listening/overview.page';
import { MentionsPage } from './pages/listening/mentions.page';
import { KeywordsPage } from './pages/listening/keywords.page';
import { AlertsPage } from './pages/listening/alerts.page';
import { CrisesPage } from './pages/listening/crises.page';
import { CrisisPage } from './pages/listening/crisis.page';
import { StaffKpisPage } from './pages/staff/staff-kpis.page';

function NoAccess() {
  const { t } = useTranslation();
  return (
    <div className="page">
      <div className="state state-empty">
        <strong>{t('errors.noAccessTitle')}</strong>
        <div className="muted">{t('errors.noAccess')}</div>
      </div>
    </div>
  );
}

function Pages({ me }: { me: Me }) {
  const home = visibleNav(me)[0]?.to;
  return (
    <Routes>
      <Route path="/" element={can(me, 'orders:read') ? <OverviewPage /> : <NoAccess />} />
      <Route path="/customers" element={can(me, 'customers:read') ? <CustomersPage /> : <NoAccess />} />
      <Route path="/customers/duplicates" element={can(me, 'customers:merge') ? <DuplicatesPage /> : <NoAccess />} />
      <Route path="/customers/:id" element={can(me, 'customers:read') ? <Customer360Page /> : <NoAccess />} />
      <Route path="/orders" element={can(me, 'orders:read') ? <OrdersPage /> : <NoAccess />} />
      <Route path="/settings" element={<GeneralSettingsPage />} />
      <Route path="/settings/staff" element={can(me, 'staff:admin') ? <StaffSettingsPage /> : <NoAccess />} />
      <Route path="/settings/api-keys" element={can(me, 'apikeys:admin') ? <ApiKeysSettingsPage /> : <NoAccess />} />
      <Route path="/settings/roles" element={<RolesSettingsPage />} />
      <Route path="/settings/audit" element={can(me, 'audit:read') ? <AuditSettingsPage /> : <NoAccess />} />
      <Route path="/data/import" element={can(me, 'imports:write') ? <ImportPage /> : <NoAccess />} />
      <Route path="/data/stores" element={can(me, 'catalog:read') ? <StoresPage /> : <NoAccess />} />
      <Route path="/data/products" element={can(me, 'catalog:read') ? <ProductsPage /> : <NoAccess />} />
      <Route path="/loyalty/program" element={can(me, 'loyalty:read') ? <LoyaltyProgramPage /> : <NoAccess />} />
      <Route path="/loyalty/tiers" element={can(me, 'loyalty:read') ? <LoyaltyTiersPage /> : <NoAccess />} />
      <Route path="/loyalty/liability" element={can(me, 'loyalty:read') ? <LoyaltyLiabilityPage /> : <NoAccess />} />
      <Route path="/segments/rfm" element={can(me, 'segments:read') ? <RfmPage /> : <NoAccess />} />
      <Route path="/segments" element={can(me, 'segments:read') ? <SegmentsListPage /> : <NoAccess />} />
      <Route path="/segments/builder" element={can(me, 'segments:write') ? <SegmentBuilderPage /> : <NoAccess />} />
      <Route path="/segments/clusters" element={can(me, 'segments:read') ? <ClustersPage /> : <NoAccess />} />
      <Route path="/segments/:code" element={can(me, 'segments:read') ? <SegmentDetailPage /> : <NoAccess />} />
      <Route path="/insights/churn" element={can(me, 'insights:read') ? <ChurnPage /> : <NoAccess />} />
      <Route path="/insights/forecast" element={can(me, 'insights:read') ? <ForecastPage /> : <NoAccess />} />
      <Route path="/insights/basket" element={can(me, 'segments:read') ? <BasketPage /> : <NoAccess />} />
      <Route path="/promotions" element={can(me, 'promotions:read') ? <PromotionsPage /> : <NoAccess />} />
      <Route path="/promotions/new" element={can(me, 'promotions:admin') ? <PromotionBuilderPage /> : <NoAccess />} />
      <Route path="/promotions/:id" element={can(me, 'promotions:read') ? <PromotionBuilderPage /> : <NoAccess />} />
      <Route path="/coupons" element={can(me, 'promotions:read') ? <CouponsPage /> : <NoAccess />} />
      <Route path="/coupons/new" element={can(me, 'promotions:admin') ? <CouponTemplateNewPage /> : <NoAccess />} />
      <Route path="/coupons/:id" element={can(me, 'promotions:read') ? <CouponTemplatePage /> : <NoAccess />} />
      <Route path="/checkout/simulator" element={can(me, 'promotions:read') ? <CheckoutSimulatorPage /> : <NoAccess />} />
      <Route path="/results/promotions" element={can(me, 'promotions:read') ? <PromotionResultsPage /> : <NoAccess />} />
      <Route path="/journeys" element={can(me, 'journeys:read') ? <JourneysPage /> : <NoAccess />} />
      <Route path="/journeys/new" element={can(me, 'journeys:write') ? <JourneyBuilderPage /> : <NoAccess />} />
      <Route path="/journeys/:id" element={can(me, 'journeys:read') ? <JourneyBuilderPage /> : <NoAccess />} />
      <Route path="/journeys/:id/stats" element={can(me, 'journeys:read') ? <JourneyStatsPage /> : <NoAccess />} />
      <Route path="/messaging/templates" element={can(me, 'messaging:read') ? <TemplatesPage /> : <NoAccess />} />
      <Route path="/messaging/templates/new" element={can(me, 'messaging:write') ? <TemplateNewPage /> : <NoAccess />} />
      <Route path="/messaging/templates/:code" element={can(me, 'messaging:read') ? <TemplateEditPage /> : <NoAccess />} />
      <Route path="/messaging/log" element={can(me, 'messaging:read') ? <MessageLogPage /> : <NoAccess />} />
      <Route path="/messaging/tasks" element={can(me, 'messaging:read') ? <GuideTasksPage /> : <NoAccess />} />
      <Route path="/messaging/channels" element={can(me, 'messaging:admin') ? <ChannelsPage /> : <NoAccess />} />
      <Route path="/service/tickets" element={can(me, 'service:read') ? <InboxPage /> : <NoAccess />} />
      <Route path="/service/tickets/:id" element={can(me, 'service:read') ? <TicketPage /> : <NoAccess />} />
      <Route path="/service/templates" element={can(me, 'service:read') ? <ReplyTemplatesPage /> : <NoAccess />} />
      <Route path="/service/settings" element={can(me, 'service:read') ? <ServiceSettingsPage /> : <NoAccess />} />
      <Route path="/service/review" element={can(me, 'service:read') ? <ReviewPage /> : <NoAccess />} />
      <Route path="/surveys" element={can(me, 'surveys:read') ? <SurveysPage /> : <NoAccess />} />
      <Route path="/surveys/new" element={can(me, 'surveys:write') ? <SurveyBuilderPage /> : <NoAccess />} />
      <Route path="/surveys/:id" element={can(me, 'surveys:read') ? <SurveyBuilderPage /> : <NoAccess />} />
      <Route path="/surveys/:id/results" element={can(me, 'surveys:read') ? <SurveyResultsPage /> : <NoAccess />} />
      <Route path="/listening" element={can(me, 'listening:read') ? <ListeningOverviewPage /> : <NoAccess />} />
      <Route path="/listening/mentions" element={can(me, 'listening:read') ? <MentionsPage /> : <NoAccess />} />
      <Route path="/listening/keywords" element={can(me, 'listening:read') ? <KeywordsPage /> : <NoAccess />} />
      <Route path="/listening/alerts" element={can(me, 'listening:read') ? <AlertsPage /> : <NoAccess />} />
      <Route path="/listening/crises" element={can(me, 'listening:read') ? <CrisesPage /> : <NoAccess />} />
      <Route path="/listening/crises/:id" element={can(me, 'listening:read') ? <CrisisPage /> : <NoAccess />} />
      <Route path="/staff/kpis" element={can(me, 'customers:read') ? <StaffKpisPage /> : <NoAccess />} />
      <Route path="*" element={home ? <Navigate to={home} replace /> : <NoAccess />} />
    </Routes>
  );
}

/** A customer's survey link needs no sign-in: it renders before the sign-in gate. */
export function App() {
  const surveyToken = publicSurveyToken(window.location.pathname);
  return surveyToken ? <PublicSurveyPage token={surveyToken} /> : <Console />;
}

/** Who is signed in decides what renders: sign-in, a forced password change, or the console. */
function Console() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) return <SignInPage />;
  if (me.data.staff?.mustChangePassword) return <ChangePasswordPage me={me.data} />;
  return (
    <BrowserRouter>
      <Layout me={me.data}>
        <Pages me={me.data} />
      </Layout>
    </BrowserRouter>
  );
}
