/* libcjson, loaded on first use (lazy.h): registry manifests (oci) and the
 * spec-script harness read JSON; `wacc run` of a file does not. */
#include <cjson/cJSON.h>

#include "lazy.h"

#define CJSON_FUNCS(F, V) \
    F(cJSON *, cJSON_AddArrayToObject, (cJSON *const a, const char *const b), (a, b)) \
    F(cJSON_bool, cJSON_AddItemToArray, (cJSON *a, cJSON *b), (a, b)) \
    F(cJSON_bool, cJSON_AddItemToObject, (cJSON *a, const char *b, cJSON *c), (a, b, c)) \
    F(cJSON *, cJSON_AddNumberToObject, (cJSON *const a, const char *const b, const double c), (a, b, c)) \
    F(cJSON *, cJSON_AddObjectToObject, (cJSON *const a, const char *const b), (a, b)) \
    F(cJSON *, cJSON_AddStringToObject, (cJSON *const a, const char *const b, const char *const c), (a, b, c)) \
    F(cJSON *, cJSON_CreateObject, (void), ()) \
    F(cJSON *, cJSON_CreateString, (const char *a), (a)) \
    V(cJSON_Delete, (cJSON *a), (a)) \
    F(cJSON *, cJSON_GetArrayItem, (const cJSON *a, int b), (a, b)) \
    F(int, cJSON_GetArraySize, (const cJSON *a), (a)) \
    F(double, cJSON_GetNumberValue, (const cJSON *const a), (a)) \
    F(cJSON *, cJSON_GetObjectItem, (const cJSON *const a, const char *const b), (a, b)) \
    F(cJSON *, cJSON_GetObjectItemCaseSensitive, (const cJSON *const a, const char *const b), (a, b)) \
    F(char *, cJSON_GetStringValue, (const cJSON *const a), (a)) \
    F(cJSON_bool, cJSON_IsArray, (const cJSON *const a), (a)) \
    F(cJSON_bool, cJSON_IsNumber, (const cJSON *const a), (a)) \
    F(cJSON_bool, cJSON_IsObject, (const cJSON *const a), (a)) \
    F(cJSON_bool, cJSON_IsString, (const cJSON *const a), (a)) \
    F(cJSON_bool, cJSON_IsTrue, (const cJSON *const a), (a)) \
    F(cJSON *, cJSON_Parse, (const char *a), (a)) \
    F(cJSON *, cJSON_ParseWithLength, (const char *a, size_t b), (a, b)) \
    F(char *, cJSON_PrintUnformatted, (const cJSON *a), (a))

WACC_LAZY_LIBRARY("libcjson.so.1", CJSON_FUNCS)
