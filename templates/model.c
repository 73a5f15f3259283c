/*@tensors@*/
static void PFX_m_init(void *params, uint64_t seed)
{
    PFX_init((PFX_params *)params, seed);
}

static void PFX_m_forward(const void *params, const void *input, void *output, void *ws)
{
    PFX_forward((const PFX_params *)params, (const PFX_real *)input, (PFX_real *)output,
            (PFX_workspace *)ws);
}

static void PFX_m_forward_batch(const void *params, const void *inputs, void *outputs, int n,
        void *ws)
{
    PFX_forward_batch((const PFX_params *)params, (const PFX_real *)inputs, (PFX_real *)outputs, n,
            (PFX_workspace *)ws);
}
/*@train_wrappers@*/
const cnngen_model PFX_model = {
/*@model_fields@*/
};
