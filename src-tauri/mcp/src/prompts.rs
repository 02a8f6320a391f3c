//! Prompts: a few questions people ask of their data, phrased so the assistant uses the tools.
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{PromptMessage, Role};
use rmcp::{prompt, prompt_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::VitalLinkMcp;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ForParticipant {
    /// user_id or client_user_id, as list_participants shows it.
    pub participant: String,
}

#[prompt_router(router = "prompts", vis = "pub(crate)")]
impl VitalLinkMcp {
    #[prompt(
        name = "weekly_sleep_review",
        description = "Review the last 7 nights of sleep against the 4 weeks before."
    )]
    pub async fn weekly_sleep_review(
        &self,
        Parameters(p): Parameters<ForParticipant>,
    ) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(
            Role::User,
            format!(
                "Review the sleep of participant {0} over the last 7 days. Call get_sleep with from='last 7 days', \
                 then compare with a={{participant: {0}, from: 'last 35 days', to: '8 days ago'}} and \
                 b={{participant: {0}, from: 'last 7 days'}} and metrics sleep_hours, sleep_efficiency, sleep_hrv, \
                 sleep_hr_lowest. Say what changed, by how much, and which nights stand out. Use only the numbers \
                 the tools return.",
                p.participant
            ),
        )]
    }

    #[prompt(
        name = "training_load_this_month",
        description = "Summarise this month's workouts, active calories and resting heart rate trend."
    )]
    pub async fn training_load_this_month(
        &self,
        Parameters(p): Parameters<ForParticipant>,
    ) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(
            Role::User,
            format!(
                "Summarise the training load of participant {0} over the last 30 days: call get_workouts with \
                 from='last 30 days', get_timeseries for calories_active with resolution 'day', and \
                 get_timeseries for heartrate with resolution 'day'. Report workouts per week, total and mean \
                 duration, the busiest days, and whether daily minimum heart rate rose or fell. Use only the \
                 numbers the tools return.",
                p.participant
            ),
        )]
    }
}
