"""The Jinja2 environment templates render in: Airflow's (airflow/templates.py) on Jinja2's SandboxedEnvironment.

Like Airflow: StrictUndefined (a DAG's default template_undefined), the `do` extension, no autoescape, Airflow's five
date filters, and "private" attributes (one leading `_`) readable. Stricter than Airflow, because here templates are
untrusted: name-mangled attributes (`_Class__x`, e.g. `self._TemplateReference__context`) and every underscore
attribute of Jinja's own objects are refused, and `*` / `**` cannot build huge values.
"""
import jinja2
import jinja2.nativetypes
import jinja2.runtime
import jinja2.sandbox
from jinja2.sandbox import SandboxedEnvironment, is_internal_attribute

# Jinja's own objects: reaching into them is the way to the render context, the environment and its globals.
_JINJA_INTERNALS = (jinja2.runtime.Context, jinja2.runtime.TemplateReference, jinja2.Environment, jinja2.Template,
                    jinja2.runtime.Undefined, jinja2.runtime.BlockReference, jinja2.runtime.LoopContext,
                    jinja2.runtime.Macro)

# Results larger than this many items (characters for strings) are refused: a template cannot eat the memory.
MAX_SEQUENCE = 10_000_000
MAX_EXPONENT = 10_000


def ds_filter(value):
    return None if value is None else value.strftime('%Y-%m-%d')


def ds_nodash_filter(value):
    return None if value is None else value.strftime('%Y%m%d')


def ts_filter(value):
    return None if value is None else value.isoformat()


def ts_nodash_filter(value):
    return None if value is None else value.strftime('%Y%m%dT%H%M%S')


def ts_nodash_with_tz_filter(value):
    return None if value is None else value.isoformat().replace('-', '').replace(':', '')


FILTERS = {
    'ds': ds_filter,
    'ds_nodash': ds_nodash_filter,
    'ts': ts_filter,
    'ts_nodash': ts_nodash_filter,
    'ts_nodash_with_tz': ts_nodash_with_tz_filter,
}


class TemplateEnvironment(SandboxedEnvironment):
    intercepted_binops = frozenset(['*', '**'])

    def __init__(self):
        super().__init__(undefined=jinja2.StrictUndefined, extensions=['jinja2.ext.do'], cache_size=0,
                         autoescape=False)
        self.filters.update(FILTERS)

    def is_safe_attribute(self, obj, attr, value):
        if attr.startswith('_') and ('__' in attr or isinstance(obj, _JINJA_INTERNALS)):
            return False
        # Airflow's rule: only Jinja's list of internal attributes is refused (dunders, frames, code, ...).
        return not is_internal_attribute(obj, attr)

    def call_binop(self, context, operator, left, right):
        if operator == '*':
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_SEQUENCE:
                    raise jinja2.sandbox.SecurityError(f'the result of * would exceed {MAX_SEQUENCE} items')
            return left * right
        if operator == '**':
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > MAX_EXPONENT:
                raise jinja2.sandbox.SecurityError(f'exponents above {MAX_EXPONENT} are not allowed')
            return left ** right
        return super().call_binop(context, operator, left, right)


class NativeTemplateEnvironment(TemplateEnvironment):
    """render_template_as_native_obj: Jinja's NativeEnvironment, but sandboxed (Airflow's native one is not)."""
    code_generator_class = jinja2.nativetypes.NativeCodeGenerator
    concat = staticmethod(jinja2.nativetypes.native_concat)
    template_class = jinja2.nativetypes.NativeTemplate
