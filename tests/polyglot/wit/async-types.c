// async-types.c — a guest of world `app` of async-types.wit (tests/polyglot/bindgen.sh).
#include "app.h"
uint32_t exports_app_submit(app_job_t *j)
{
    wacc_async_types_jobs_future_result_u32_string_t f = wacc_async_types_jobs_start(j);
    app_job_free(j);
    return f + (uint32_t)wacc_async_types_jobs_feed(wacc_async_types_jobs_logs(1));
}
app_future_u8_t exports_app_progress(uint32_t id) { return id; }
