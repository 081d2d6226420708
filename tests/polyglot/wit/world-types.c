// world-types.c — a guest of world `app` of world-types.wit (tests/polyglot/bindgen.sh):
// enough to make a component whose type has the world's own types.
#include "app.h"
bool exports_app_run(app_cfg_t *c, app_ink_t *i, app_color_t *ret)
{
    app_palette_t p;
    app_setup(c, &p);
    app_list_color_free(&p);
    app_own_brush_t b = app_pick();
    app_brush_drop_own(b);
    if (i->tag == APP_INK_SOLID) { *ret = i->val.solid; return true; }
    return false;
}
