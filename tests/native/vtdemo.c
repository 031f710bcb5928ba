/*
 * _vtdemo - a C extension for tests/native: work(a, n) calls vtdemo_work, an exported
 * function of this module, through its PLT, the way a library's function is called, so
 * that VT_NATIVE="vtdemo_work(int a, ptr buf, size n)->int:_vtdemo" can trace it.
 * vtdemo_work fails with ERANGE for a < 0; work returns (result, errno).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <string.h>

__attribute__((noinline, visibility("default"))) int vtdemo_work(int a, void *buf, size_t n)
{
	if (a < 0) {
		errno = ERANGE;
		return -1;
	}
	memset(buf, a & 0xff, n);
	return a + (int)n;
}

static PyObject *work(PyObject *self, PyObject *args)
{
	char buf[256];
	Py_ssize_t n;
	int a, r, e;

	(void)self;
	if (!PyArg_ParseTuple(args, "in", &a, &n))
		return NULL;
	if (n < 0 || n > (Py_ssize_t)sizeof(buf))
		n = sizeof(buf);
	errno = 0;
	r = vtdemo_work(a, buf, (size_t)n);
	e = errno;
	return Py_BuildValue("(ii)", r, e);
}

static PyMethodDef methods[] = {
	{ "work", work, METH_VARARGS, "work(a, n) -> (vtdemo_work's result, errno)" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "_vtdemo", NULL, -1, methods,
				     NULL, NULL, NULL, NULL };

PyMODINIT_FUNC PyInit__vtdemo(void)
{
	return PyModule_Create(&module);
}
